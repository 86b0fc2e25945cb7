#pragma once
// Historical scenario sets (METHODOLOGY.md 10): named market events and windows of a price history.
//
// Events live one per TOML file (scenarios/data/events/*.toml, format in the README there): per
// factor a simple return with the source of the number. Price histories are CSV files
// `date,<factor>...` of USD prices; each end date d with a price row at d - h gives one scenario of
// h-day returns P(d) / P(d - h) - 1.
//
// Factors an event or a price row does not name ("other crypto"), when the set's factors are given:
// - stablecoins: 0;
// - crypto, rule `event` (default for events): the event's own `other_crypto` return when it has
//   one (e.g. the move of total crypto market capitalisation), else beta * the BTC return;
// - crypto, rule `beta_btc` (default for price histories): beta * the BTC return of that scenario
//   (0 when BTC is not known either);
// - crypto, rule `zero`: 0.
// All returns are floored at -1. Vol shocks are 0 unless the event gives one.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "riskscan/scenario_set.hpp"
#include "riskscan/scenarios/factor_info.hpp"

namespace riskscan::scenarios {

struct event_move {
  std::string factor;
  factor_kind kind = factor_kind::crypto;  // as the event file says (for sets without a factor list)
  double r = 0.0;
  std::string source;  // non-empty: where the number comes from
  bool has_v = false;
  double v = 0.0;
  std::string v_source;  // non-empty when has_v
};

struct market_event {
  std::string id;  // unique, used in scenario ids
  std::string title;
  std::string start_date;   // YYYY-MM-DD: the reference price date
  std::string end_date;     // YYYY-MM-DD: the shocked price date
  double horizon_days = 0;  // the scenario's horizon (option expiries shorten by it)
  std::string description;
  std::vector<event_move> moves;
  bool has_other_crypto = false;
  double other_crypto = 0.0;
  std::string other_crypto_source;
  std::string file;                        // where it was loaded from
  std::size_t id_line = 0, id_column = 0;  // where `file` gives the id (0: not from a file)
};

// The events shipped with riskscan (RS_SOURCE_DIR/scenarios/data/events).
std::filesystem::path default_events_dir();

// Loads one event file. Bad content (unknown keys, a number without a source, r < -1, duplicate
// factors, ...) is an input_error listing every problem as `file:line: column N: reason`.
market_event load_event(const std::filesystem::path& file);

// Loads every *.toml of `dir`, sorted by file name; duplicate event ids are an input_error.
// A missing directory is a missing_input_error.
std::vector<market_event> load_events(const std::filesystem::path& dir);

enum class other_crypto_rule { event, beta_btc, zero };

struct event_params {
  std::string name = "event";  // ids `<name>:<event id>`
  other_crypto_rule other_crypto = other_crypto_rule::event;
  double weight = 1.0;
  double horizon_days = -1.0;  // < 0: each event's own horizon_days
};

// One scenario per event, in the given order. `factors` null: the columns are the factors the
// events name (first appearance order) and nothing is filled in.
scenario_set event_scenarios(const std::vector<market_event>& events, const std::vector<factor_info>* factors,
                             const event_params& params);

struct price_history {
  std::string file;
  std::vector<std::string> factors;  // header after `date`
  std::vector<std::string> dates;    // YYYY-MM-DD, strictly ascending
  std::vector<std::int64_t> days;    // days since 1970-01-01 of each date
  std::vector<double> prices;        // row-major dates x factors, USD, > 0; NaN = empty cell
};

// Reads `date,<factor>...`: dates YYYY-MM-DD strictly ascending, prices finite and > 0, empty cell
// = no price that day. Every problem is listed in one input_error (exit 65).
price_history read_price_history(const std::filesystem::path& path);

struct history_params {
  std::string name = "hist";  // ids `<name>:<end date>`
  int horizon_days = 1;       // h >= 1: calendar days between the two prices; each scenario's horizon
  int step_days = 1;          // take every step-th eligible end date (1 = overlapping windows)
  std::string from;           // first end date to use (YYYY-MM-DD), empty = no bound
  std::string to;             // last end date to use, empty = no bound
  other_crypto_rule other_crypto = other_crypto_rule::beta_btc;  // `event` acts as beta_btc here
  double weight = 1.0;
};

// One scenario per eligible end date. `factors` null: the columns are the file's factors (all
// treated as crypto with beta 1 when a price is missing).
scenario_set price_history_scenarios(const price_history& history, const std::vector<factor_info>* factors,
                                     const history_params& params);

}  // namespace riskscan::scenarios
