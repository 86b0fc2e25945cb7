// `riskscan scenarios --spec F --out F [--threads N]` end to end: same bytes whatever the thread
// count, and spec errors exit 78.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace {

using riskscan::test::run_cli;
using riskscan::test::temp_dir;

TEST(ScenariosCommand, SameBytesAcrossRunsAndThreads) {
  temp_dir dir;
  const std::string spec = (riskscan::test::source_dir() / "scenarios" / "data" / "sample_spec.toml").string();
  const auto a = run_cli({"scenarios", "--spec", spec, "--out", (dir / "a.csv").string(), "--threads", "1"});
  ASSERT_EQ(a.exit_code, 0) << a.output;
  const auto b = run_cli({"scenarios", "--spec", spec, "--out", (dir / "b.csv").string(), "--threads", "2"});
  ASSERT_EQ(b.exit_code, 0) << b.output;
  const auto c = run_cli({"scenarios", "--spec", spec, "--out", (dir / "c.csv").string()});
  ASSERT_EQ(c.exit_code, 0) << c.output;
  const std::string bytes = riskscan::test::read_file(dir / "a.csv");
  EXPECT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes, riskscan::test::read_file(dir / "b.csv"));
  EXPECT_EQ(bytes, riskscan::test::read_file(dir / "c.csv"));
}

TEST(ScenariosCommand, BadSpecExits78WithLineAndColumn) {
  temp_dir dir;
  riskscan::test::write_file(dir / "s.toml", "[[factor]]\nid = \"BTC\"\n[[grid]]\nrange = 0.1\nstpes = 5\n");
  const auto r = run_cli({"scenarios", "--spec", (dir / "s.toml").string(), "--out", (dir / "o.csv").string()});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find("s.toml:5: column 1: unknown key \"stpes\""), std::string::npos) << r.output;
}

}  // namespace
