// The loader's ID tables: every key is found at its index through growth and colliding tags, a
// repeated key answers with the first row's index and line, and the cached lookup gives the same
// answers as the table whatever the order of the rows that use it.
#include "../../host/src/id_index.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace riskscan {
namespace {

std::vector<std::string> make_ids(std::size_t n) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < n; ++i) ids.push_back("acct" + std::to_string(i * 7919 % 100003));
  return ids;
}

TEST(IdIndex, FindsEveryKeyThroughGrowth) {
  const auto ids = make_ids(50000);
  id_index index;  // no reserve: it rehashes from 16 slots up
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ASSERT_FALSE(index.insert(ids[i], static_cast<std::int32_t>(i), i + 2).has_value());
  }
  EXPECT_EQ(index.size(), ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ASSERT_EQ(index.find(ids[i]), static_cast<std::int32_t>(i)) << ids[i];
    ASSERT_EQ(index.key(static_cast<std::int32_t>(i)), ids[i]);
  }
  EXPECT_EQ(index.find("acct100003"), no_index);
  EXPECT_EQ(index.find(""), no_index);
  EXPECT_EQ(index.find("acct1x"), no_index);
}

TEST(IdIndex, RepeatedKeyAnswersWithTheFirstRow) {
  id_index index;
  index.reserve(8);
  EXPECT_FALSE(index.insert("BTC", 0, 2).has_value());
  EXPECT_FALSE(index.insert("ETH", 2, 4).has_value());  // row 1 had no key
  const auto first = index.insert("BTC", 3, 5);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->index, 0);
  EXPECT_EQ(first->line, 2u);
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.find("BTC"), 0);
  EXPECT_EQ(index.find("ETH"), 2);
  // Rows that added no key have none: the unused index and the repeat.
  EXPECT_EQ(index.key(1), "");
  EXPECT_EQ(index.key(3), "");
  EXPECT_EQ(index.key(100), "");
}

// Keys whose hashes share the high half (the tag a slot keeps) must still be told apart by their
// bytes, and keys whose hashes share the low bits (the slot) must probe past each other.
TEST(IdIndex, KeysWithEqualTagsOrSlotsAreToldApart) {
  // Among 400 000 random keys about 18 pairs share all 32 bits of the tag (the birthday bound).
  // Numbered keys would not do: their tags are evenly spread, and never meet.
  std::mt19937_64 random(11);
  std::vector<std::pair<std::uint64_t, std::string>> by_tag;
  for (int i = 0; i < 400000; ++i) {
    std::string id(12, ' ');
    for (char& c : id) c = static_cast<char>('a' + random() % 26);
    by_tag.emplace_back(id_index::hash(id) >> 32, std::move(id));
  }
  std::sort(by_tag.begin(), by_tag.end());
  std::vector<std::string> same_tag;
  for (std::size_t i = 1; i < by_tag.size(); ++i) {
    if (by_tag[i].first == by_tag[i - 1].first) {
      same_tag.push_back(by_tag[i - 1].second);
      same_tag.push_back(by_tag[i].second);
    }
  }
  ASSERT_GE(same_tag.size(), 2u);
  std::vector<std::string> same_slot;
  const std::uint64_t low = id_index::hash("k0") & 0x7F;
  for (const auto& [tag, id] : by_tag) {
    if ((id_index::hash(id) & 0x7F) == low && same_slot.size() < 40) same_slot.push_back(id);
  }
  for (const auto* group : {&same_tag, &same_slot}) {
    id_index index;
    index.reserve(64);  // 128 slots: the 7 low bits pick the slot, the same for all of same_slot
    for (std::size_t i = 0; i < group->size(); ++i) {
      ASSERT_FALSE(index.insert((*group)[i], static_cast<std::int32_t>(i), i).has_value()) << (*group)[i];
    }
    for (std::size_t i = 0; i < group->size(); ++i) EXPECT_EQ(index.find((*group)[i]), static_cast<std::int32_t>(i));
  }
}

TEST(CachedLookup, AgreesWithTheTableInAnyOrder) {
  const auto ids = make_ids(2000);
  id_index index;
  index.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) index.insert(ids[i], static_cast<std::int32_t>(i), i + 2);
  // In order with runs and gaps (the usual balances file), then shuffled, then unknown IDs.
  std::vector<std::string> rows;
  for (std::size_t i = 0; i < ids.size(); i += 1 + i % 11) rows.insert(rows.end(), 1 + i % 3, ids[i]);
  std::vector<std::string> shuffled = rows;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
  rows.insert(rows.end(), shuffled.begin(), shuffled.end());
  rows.insert(rows.begin() + 100, "nobody");
  rows.push_back("acct");
  cached_lookup lookup(index);
  for (const std::string& id : rows) ASSERT_EQ(lookup.find(id), index.find(id)) << id;
}

}  // namespace
}  // namespace riskscan
