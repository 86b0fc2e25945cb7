// METHODOLOGY.md 9 and 8 (engine side): weighted VaR / Acerbi-Tasche ES known answers, P(ADL),
// Cover-1 / Cover-2 over the set, the recommended fund, and the Cover-N groups of accounts.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <set>
#include <vector>

#include "book_builder.hpp"
#include "riskscan/engine.hpp"

namespace riskscan::test {
namespace {

std::vector<double> equal_weights(std::size_t n) { return std::vector<double>(n, 1.0 / static_cast<double>(n)); }

TEST(ValueAtRisk, EqualWeightsOneToTwoThousand) {
  std::vector<double> loss(2000);
  std::iota(loss.begin(), loss.end(), 1.0);
  // Shuffle deterministically: the order of the input must not matter.
  for (std::size_t i = 0; i < loss.size(); ++i) std::swap(loss[i], loss[(i * 7919) % loss.size()]);
  const auto w = equal_weights(loss.size());
  // Smallest L_(j) with j / 2000 >= q.
  EXPECT_EQ(value_at_risk(loss, w, 0.99), 1980.0);
  EXPECT_EQ(value_at_risk(loss, w, 0.995), 1990.0);
  EXPECT_EQ(value_at_risk(loss, w, 0.999), 1998.0);
  EXPECT_EQ(value_at_risk(loss, w, 0.5), 1000.0);
  // Equal weights: ES = mean of the worst (1 - q) S draws. The (W(L <= VaR) - q) term cancels
  // two sums of 2000 weights and is amplified by VaR / (1 - q): allow 1e-9 relative.
  EXPECT_NEAR(expected_shortfall(loss, w, 0.99), 1990.5, 1990.5e-9);   // mean of 1981..2000
  EXPECT_NEAR(expected_shortfall(loss, w, 0.995), 1995.5, 1995.5e-9);  // mean of 1991..2000
  EXPECT_NEAR(expected_shortfall(loss, w, 0.999), 1999.5, 1999.5e-9);  // mean of 1999, 2000
}

TEST(ValueAtRisk, EqualWeightsMonteCarloSized) {
  // 100,000 equal-weight draws 1..100000 (a usual Monte Carlo set). In exact arithmetic the
  // cumulative weight of the 99,000 smallest is exactly 0.99, so VaR_0.99 = L_(99000) = 99000
  // (METHODOLOGY.md 9: min L_(j) with cumulative weight >= q - 1e-12). Summing 1e5 weights of
  // 1e-5 one by one drifts by ~1e-11, more than the 1e-12 slack: this pins that down.
  const std::size_t n = 100000;
  std::vector<double> loss(n);
  std::iota(loss.begin(), loss.end(), 1.0);
  const auto w = equal_weights(n);
  EXPECT_EQ(value_at_risk(loss, w, 0.99), 99000.0);
  EXPECT_EQ(value_at_risk(loss, w, 0.995), 99500.0);
  EXPECT_EQ(value_at_risk(loss, w, 0.999), 99900.0);
  EXPECT_NEAR(expected_shortfall(loss, w, 0.99), 99500.5, 99500.5e-8);
  EXPECT_NEAR(expected_shortfall(loss, w, 0.999), 99950.5, 99950.5e-8);
}

TEST(ValueAtRisk, EqualWeightsThousand) {
  std::vector<double> loss(1000);
  std::iota(loss.begin(), loss.end(), 1.0);
  const auto w = equal_weights(loss.size());
  EXPECT_EQ(value_at_risk(loss, w, 0.99), 990.0);
  EXPECT_NEAR(expected_shortfall(loss, w, 0.99), 995.5, 1e-8);
  EXPECT_EQ(value_at_risk(loss, w, 0.999), 999.0);
  EXPECT_NEAR(expected_shortfall(loss, w, 0.999), 1000.0, 1e-8);
}

TEST(ValueAtRisk, FractionalTailOfEqualWeights) {
  // S = 150, q = 0.99: (1 - q) S = 1.5 draws. VaR = L_(149) (149/150 >= 0.99, 148/150 < 0.99);
  // ES = [L_(150) / 150 + (149/150 - 0.99) L_(149)] / 0.01 = mean of the worst 1.5 draws.
  std::vector<double> loss(150);
  std::iota(loss.begin(), loss.end(), 1.0);
  const auto w = equal_weights(loss.size());
  EXPECT_EQ(value_at_risk(loss, w, 0.99), 149.0);
  const double want = (150.0 / 150.0 + (149.0 / 150.0 - 0.99) * 149.0) / 0.01;
  EXPECT_NEAR(expected_shortfall(loss, w, 0.99), want, 1e-9);
  EXPECT_NEAR(want, (150.0 + 0.5 * 149.0) / 1.5, 1e-9);
}

TEST(ValueAtRisk, WeightedByHand) {
  // Ascending: 0 (0.5), 10 (0.3), 20 (0.15), 50 (0.05). Cumulative 0.5, 0.8, 0.95, 1.
  const std::vector<double> loss{20, 0, 50, 10};
  const std::vector<double> w{0.15, 0.5, 0.05, 0.3};
  EXPECT_EQ(value_at_risk(loss, w, 0.9), 20.0);
  EXPECT_EQ(value_at_risk(loss, w, 0.8), 10.0);  // cumulative 0.8 >= 0.8 - 1e-12
  EXPECT_EQ(value_at_risk(loss, w, 0.96), 50.0);
  // ES_0.9 = [0.05 x 50 + (0.95 - 0.9) x 20] / 0.1 = 35.
  EXPECT_NEAR(expected_shortfall(loss, w, 0.9), 35.0, 1e-12);
  // ES_0.8 = [0.15 x 20 + 0.05 x 50 + (0.8 - 0.8) x 10] / 0.2 = 27.5.
  EXPECT_NEAR(expected_shortfall(loss, w, 0.8), 27.5, 1e-12);
  // ES_0.96 = [0 + (1 - 0.96) x 50] / 0.04 = 50.
  EXPECT_NEAR(expected_shortfall(loss, w, 0.96), 50.0, 1e-9);
}

TEST(ValueAtRisk, Ties) {
  const std::vector<double> all_same{5, 5, 5, 5};
  const auto w4 = equal_weights(4);
  EXPECT_EQ(value_at_risk(all_same, w4, 0.99), 5.0);
  EXPECT_NEAR(expected_shortfall(all_same, w4, 0.99), 5.0, 1e-9);
  // [1, 2, 2, 3]: q = 0.5 -> VaR 2, ES = [0.25 x 3 + (0.75 - 0.5) x 2] / 0.5 = 2.5 (mean of 2, 3).
  const std::vector<double> tied{2, 3, 1, 2};
  EXPECT_EQ(value_at_risk(tied, w4, 0.5), 2.0);
  EXPECT_NEAR(expected_shortfall(tied, w4, 0.5), 2.5, 1e-12);
  // q = 0.6: VaR 2, ES = [0.25 x 3 + (0.75 - 0.6) x 2] / 0.4 = 2.625.
  EXPECT_EQ(value_at_risk(tied, w4, 0.6), 2.0);
  EXPECT_NEAR(expected_shortfall(tied, w4, 0.6), 2.625, 1e-12);
  // All zero draws (a quiet book): VaR = ES = 0.
  const std::vector<double> zeros(10, 0.0);
  EXPECT_EQ(value_at_risk(zeros, equal_weights(10), 0.999), 0.0);
  EXPECT_EQ(expected_shortfall(zeros, equal_weights(10), 0.999), 0.0);
}

TEST(ValueAtRisk, NegativeDrawsAreGains) {
  // Net draw may be negative (inflow > deficit). VaR / ES are taken on the signed values.
  const std::vector<double> loss{-3, -1, -2, -4};
  const auto w = equal_weights(4);
  EXPECT_EQ(value_at_risk(loss, w, 0.99), -1.0);
  EXPECT_NEAR(expected_shortfall(loss, w, 0.99), -1.0, 1e-9);
}

bound_scenarios hand_scenarios(const std::vector<double>& weights) {
  bound_scenarios s;
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  for (std::size_t i = 0; i < weights.size(); ++i) {
    s.ids.push_back(std::string("s").append(std::to_string(i)));  // not "s" + ...: g++ 12 warns falsely (-Wrestrict)
    s.weights.push_back(weights[i]);
    s.normalized_weights.push_back(weights[i] / total);
    s.horizon_days.push_back(0.0);
  }
  return s;
}

scenario_reductions hand_reductions(const std::vector<std::int64_t>& deficit, const std::vector<std::int64_t>& inflow,
                                    const std::vector<std::int64_t>& cover1, const std::vector<std::int64_t>& cover2) {
  scenario_reductions r;
  r.resize(deficit.size(), 2);
  r.deficit = deficit;
  r.inflow = inflow;
  r.cover1 = cover1;
  r.cover2 = cover2;
  return r;
}

TEST(SizeFund, HandExample) {
  // Weights 1, 2, 3, 4 (normalised 0.1 .. 0.4); net draws (USD) 0, 100, 250, 40.
  const auto sc = hand_scenarios({1, 2, 3, 4});
  const auto red = hand_reductions({0, 1500000, 2500000, 1000000}, {0, 500000, 0, 600000},
                                   {0, 1200000, 2000000, 900000}, {0, 1500000, 2500000, 1000000});
  // Fund 100 USD: only the 250 draw exceeds it (100 == 100 is not "greater"): P(ADL) = 0.3.
  const fund_sizing f = size_fund(sc, red, 1000000);
  EXPECT_FALSE(f.empty);
  EXPECT_NEAR(f.p_adl, 0.3, 1e-15);
  EXPECT_EQ(f.cover1, 200.0);
  EXPECT_EQ(f.cover2, 250.0);
  // Ascending draws: 0 (0.1), 40 (0.4), 100 (0.2), 250 (0.3). q >= 0.7 -> VaR = 250, ES = 250.
  ASSERT_EQ(f.var.size(), 3u);
  ASSERT_EQ(f.es.size(), 3u);
  const double qs[] = {0.99, 0.995, 0.999};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(f.var[i].q, qs[i]);
    EXPECT_EQ(f.es[i].q, qs[i]);
    EXPECT_EQ(f.var[i].value, 250.0);
    EXPECT_NEAR(f.es[i].value, 250.0, 1e-9);
  }
  EXPECT_NEAR(f.recommended_fund, 250.0, 1e-9);
  // Fund 0: every positive draw counts.
  EXPECT_NEAR(size_fund(sc, red, 0).p_adl, 0.9, 1e-15);
  // Fund 1000: nobody.
  EXPECT_EQ(size_fund(sc, red, 10000000).p_adl, 0.0);
}

TEST(SizeFund, RecommendedIsMaxOfEsAndCover2) {
  // Equal weights, draws 1..2000 USD: ES_0.999 = 1999.5; Cover-2 5000 > ES wins, then 10 < ES.
  std::vector<std::int64_t> deficit(2000), zero(2000, 0), cover(2000, 0);
  for (std::size_t i = 0; i < deficit.size(); ++i) deficit[i] = static_cast<std::int64_t>(i + 1) * 10000;
  const auto sc = hand_scenarios(std::vector<double>(2000, 1.0));
  auto c2 = cover;
  c2[17] = 50000000;  // 5000 USD in one scenario
  const fund_sizing a = size_fund(sc, hand_reductions(deficit, zero, cover, c2), 0);
  EXPECT_NEAR(a.es[2].value, 1999.5, 1999.5e-9);
  EXPECT_EQ(a.cover2, 5000.0);
  EXPECT_EQ(a.recommended_fund, 5000.0);
  c2[17] = 100000;  // 10 USD
  const fund_sizing b = size_fund(sc, hand_reductions(deficit, zero, cover, c2), 0);
  EXPECT_EQ(b.recommended_fund, b.es[2].value);
  EXPECT_NEAR(b.recommended_fund, 1999.5, 1999.5e-9);
  EXPECT_EQ(b.var[0].value, 1980.0);
  EXPECT_NEAR(b.es[0].value, 1990.5, 1990.5e-9);
  EXPECT_NEAR(b.p_adl, 1.0, 1e-12);
}

TEST(SizeFund, EmptySetIsUndefined) {
  const auto sc = hand_scenarios({});
  const fund_sizing f = size_fund(sc, hand_reductions({}, {}, {}, {}), 0);
  EXPECT_TRUE(f.empty);
}

TEST(CoverGroups, GroupedAccountsShareAnIdUngroupedAreUnique) {
  book_builder bb;
  bb.factor("BTC");
  bb.asset("USD", 1.0);
  bb.account("a0", account_mode::cross, "g1");
  bb.account("a1");
  bb.account("a2", account_mode::cross, "g2");
  bb.account("a3", account_mode::cross, "g1");
  bb.account("a4");
  bb.account("a5", account_mode::portfolio, "g2");
  const auto g = cover_groups(bb.get());
  ASSERT_EQ(g.size(), 6u);
  EXPECT_EQ(g[0], g[3]);
  EXPECT_EQ(g[2], g[5]);
  EXPECT_NE(g[0], g[2]);
  const std::set<std::int64_t> distinct(g.begin(), g.end());
  EXPECT_EQ(distinct.size(), 4u);  // g1, g2, a1, a4
  EXPECT_NE(g[1], g[4]);
  for (const auto x : {g[1], g[4]}) {
    EXPECT_NE(x, g[0]);
    EXPECT_NE(x, g[2]);
  }
}

}  // namespace
}  // namespace riskscan::test
