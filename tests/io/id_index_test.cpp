// The loader's ID tables: every key is found at its index through growth and colliding tags, a
// repeated key answers with the first row's index and line, and the cached and batched lookups
// give the same answers as the table whatever the order of the rows that use it.
#include "../../io/src/id_index.hpp"

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

// A table of `ids`, each at its position (line = position + 2, as in a file with a header).
void index_all(const std::vector<std::string>& ids, id_index& index) {
  index.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) index.insert(ids[i], static_cast<std::int32_t>(i), i + 2);
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
  // Among a million random keys about 116 pairs share all 32 bits of the tag (the birthday
  // bound). Numbered keys would not do: their tags are evenly spread, and never meet.
  std::mt19937_64 random(11);
  std::vector<std::pair<std::uint64_t, std::string>> by_tag;
  for (int i = 0; i < 1000000; ++i) {
    std::string id(12, ' ');
    for (char& c : id) c = static_cast<char>('a' + random() % 26);
    by_tag.emplace_back(id_index::hash(id) >> 32, std::move(id));
  }
  std::sort(by_tag.begin(), by_tag.end());
  std::vector<std::string> same_tag;
  std::vector<std::pair<std::string, std::string>> same_tag_and_home;  // in a table of 16 slots
  for (std::size_t i = 1; i < by_tag.size(); ++i) {
    if (by_tag[i].first == by_tag[i - 1].first) {
      same_tag.push_back(by_tag[i - 1].second);
      same_tag.push_back(by_tag[i].second);
      if ((id_index::hash(by_tag[i].second) & 15) == (id_index::hash(by_tag[i - 1].second) & 15)) {
        same_tag_and_home.emplace_back(by_tag[i - 1].second, by_tag[i].second);
      }
    }
  }
  // A key absent from the table whose home slot holds another key with its tag: only the key
  // bytes say it is absent (find_batch takes a matching tag in the home slot as its candidate).
  ASSERT_GE(same_tag_and_home.size(), 1u);
  for (const auto& [present, absent] : same_tag_and_home) {
    id_index index;
    index.reserve(1);  // 16 slots
    index.insert(present, 0, 2);
    EXPECT_EQ(index.find(absent), no_index) << absent;
    const std::vector<std::string_view> asked = {absent, present};
    std::vector<std::int32_t> found(2, 99);
    index.find_batch(asked, found);
    EXPECT_EQ(found, (std::vector<std::int32_t>{no_index, 0})) << absent;
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
    // find_batch takes the home slot's row as its candidate when the tag matches: with equal tags
    // that is another key, so only the key bytes tell them apart.
    std::vector<std::string_view> batch(group->begin(), group->end());
    batch.push_back("not-a-key");
    std::vector<std::int32_t> found(batch.size(), 99);
    index.find_batch(batch, found);
    for (std::size_t i = 0; i < group->size(); ++i) EXPECT_EQ(found[i], static_cast<std::int32_t>(i)) << batch[i];
    EXPECT_EQ(found.back(), no_index);
  }
}

TEST(IdIndex, FindBatchAgreesWithFind) {
  const auto ids = make_ids(20000);
  id_index index;
  std::vector<std::int32_t> none(3, 99);
  const std::vector<std::string_view> before = {"acct1", "", "x"};
  index.find_batch(before, none);  // an empty table knows nothing
  EXPECT_EQ(none, std::vector<std::int32_t>(3, no_index));
  index_all(ids, index);
  // Known IDs in random order, with unknown ones, the empty ID and repeats: more than one
  // internal batch, and a last batch that is not full.
  std::vector<std::string> asked(ids.begin(), ids.end());
  for (int i = 0; i < 500; ++i) asked.push_back("acct" + std::to_string(100003 + i));
  asked.insert(asked.end(), {"", "acct", ids[10], ids[10]});
  std::shuffle(asked.begin(), asked.end(), std::mt19937(3));
  const std::vector<std::string_view> views(asked.begin(), asked.end());
  std::vector<std::int32_t> found(views.size(), 99);
  index.find_batch(views, found);
  std::size_t unknown = 0;
  for (std::size_t i = 0; i < views.size(); ++i) {
    ASSERT_EQ(found[i], index.find(views[i])) << views[i];
    unknown += found[i] == no_index ? 1 : 0;
  }
  EXPECT_EQ(unknown, 500u + 2u);  // the 500 numbered beyond the table, "" and "acct"
}

TEST(CachedLookup, AgreesWithTheTableInAnyOrder) {
  const auto ids = make_ids(2000);
  id_index index;
  index_all(ids, index);
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

// Every row gets the table's answer, at once or through resolve() (for its own row, in the order
// queued); a shuffled run is queued, and ordered rows after it are answered at once again within
// one batch.
TEST(BatchedLookup, AgreesWithTheTableInAnyOrder) {
  const auto ids = make_ids(5000);
  id_index index;
  index_all(ids, index);
  std::vector<std::string> rows;
  for (std::size_t i = 0; i < 1000; ++i) rows.insert(rows.end(), 1 + i % 3, ids[i]);  // ordered
  std::vector<std::string> shuffled(ids.begin() + 1000, ids.begin() + 3000);
  shuffled.insert(shuffled.end(), {"nobody", "", "acct", "nobody"});
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(5));
  const std::size_t shuffled_begin = rows.size();
  rows.insert(rows.end(), shuffled.begin(), shuffled.end());
  const std::size_t ordered_again = rows.size();
  for (std::size_t i = 3000; i < 5000; ++i) rows.push_back(ids[i]);

  batched_lookup lookup(index);
  std::vector<std::int32_t> got(rows.size(), 99);
  std::vector<std::size_t> waited;  // rows in the order resolve() gave them
  const auto resolve = [&] {
    lookup.resolve([&](std::size_t row, std::string_view id, std::int32_t found) {
      EXPECT_EQ(got[row], batched_lookup::queued);
      EXPECT_EQ(id, rows[row]);
      got[row] = found;
      waited.push_back(row);
    });
  };
  std::size_t queued_before = 0, queued_shuffled = 0, queued_after = 0;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    got[r] = lookup.find(rows[r], r);
    if (got[r] == batched_lookup::queued) {
      (r < shuffled_begin ? queued_before : r < ordered_again ? queued_shuffled : queued_after) += 1;
    }
    if (lookup.full()) resolve();
  }
  resolve();
  for (std::size_t r = 0; r < rows.size(); ++r) ASSERT_EQ(got[r], index.find(rows[r])) << r << " " << rows[r];
  EXPECT_TRUE(std::is_sorted(waited.begin(), waited.end()));
  EXPECT_EQ(queued_before, 0u);
  EXPECT_GT(queued_shuffled, shuffled.size() * 9 / 10);
  EXPECT_LE(queued_after, batched_lookup::batch + 1);
}

}  // namespace
}  // namespace riskscan
