// The RS_HD evaluation headers compiled by nvcc and run inside a kernel: a one-account book
// (USDT collateral tiers, a marginal schedule, a linear perp, an inverse option) evaluated on the
// device and on the host must agree bit for bit (both sides build with contraction off).
// Without a usable device the test skips; the build itself proves the headers compile.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "riskscan/core/account_eval.hpp"
#include "riskscan/core/fixed_point.hpp"
#include "riskscan/core/instrument_stage.hpp"
#include "riskscan/core/views.hpp"

namespace {

using namespace riskscan::core;

#define RS_TEST_CUDA(call) ASSERT_EQ((call), cudaSuccess) << #call

__global__ void evaluate_kernel(book_view bk, state_tables t, run_params rp, account_outcome* out, double* black,
                                int64_t* fixed) {
  out[0] = evaluate_account(bk, 0, table_lane{t, 0}, rp);
  black[0] = black76(100.0, 95.0, 0.25, 0.6, true);
  black[1] = black76(100.0, 95.0, 0.25, 0.6, false);
  fixed[0] = to_fixed(out[0].adj_equity);
}

template <class T>
using host_array = std::vector<T>;

// Host arrays of the tiny book (the isolated positions are empty); make_view points a view at
// them or at device copies of them.
struct tiny_book : book_arrays<host_array> {
  tiny_book() {
    asset_price = {1.0, 90000.0};
    asset_factor = {0, 1};
    borrow_mmr = {0.02, 0.05};
    borrow_imr = {0.1, 0.2};
    asset_tier_begin = {0, 2, 2};
    collateral_up_to = {5e6, 1e7};
    collateral_ratio = {1.0, 0.9};
    schedule_tier_begin = {0, 2};
    schedule_marginal = {1};
    margin_up_to = {5e4, 2.5e5};
    margin_rate = {0.004, 0.005};
    margin_cum = {0.0, 50.0};
    factor_pm.resize(2);
    account_portfolio = {0};
    slot_begin = {0, 2};
    cross_begin = {0, 2};
    iso_begin = {0, 0};
    unit_begin = {0, 0};
    slot_asset = {0, 1};
    slot_balance = {12000.0, -0.01};
    slot_pos_end = {1, 2};
    cross_inst = {0, 1};
    cross_qty = {2.5, -1.5};
    cross_entry_term = {-88000.0, 0.0};
    unit_factor = {0};
    unit_member_begin = {0};
    unit_member = {0};

    instrument.resize(2);
    instrument_view& perp = instrument[0];
    perp.kind = kind_perp;
    perp.underlying = 1;
    perp.quote_factor = 0;
    perp.settle_factor = 0;
    perp.settle_asset = 0;
    perp.mm_schedule = 0;
    perp.pm_index = -1;
    perp.multiplier = 0.01;
    perp.mark_price = 90010.0;
    perp.quote_price = 1.0;
    perp.settle_price = 1.0;
    perp.liq_fee_rate = 0.005;
    perp.impact_k = 0.1;
    perp.depth_usd = 5e7;
    instrument_view& option = instrument[1];
    option.kind = kind_option;
    option.inverse = 1;
    option.is_call = 0;
    option.underlying = 1;
    option.quote_factor = -1;
    option.settle_factor = 1;
    option.settle_asset = 1;
    option.mm_schedule = -1;
    option.pm_index = -1;
    option.multiplier = 1.0;
    option.mark_price = 90500.0;
    option.quote_price = 1.0;
    option.settle_price = 90000.0;
    option.expiry_years = 0.08;
    option.strike = 85000.0;
    option.iv = 0.55;
    option.option_mm_rate = 0.1;
  }
};

template <class T>
T* to_device(const T* host, std::size_t n, std::vector<void*>& owned) {
  if (n == 0) return nullptr;
  void* p = nullptr;
  if (cudaMalloc(&p, n * sizeof(T)) != cudaSuccess) return nullptr;
  cudaMemcpy(p, host, n * sizeof(T), cudaMemcpyHostToDevice);
  owned.push_back(p);
  return static_cast<T*>(p);
}

book_view make_view(const tiny_book& b, bool device, std::vector<void*>& owned) {
  book_view v{};
  v.accounts = 1;
  v.factors = 2;
  v.assets = 2;
  v.instruments = 2;
  for_each_array(
      [&](array_layout, auto& pointer, const auto& host) {
        pointer = host.empty() ? nullptr : device ? to_device(host.data(), host.size(), owned) : host.data();
      },
      v, b);
  return v;
}

TEST(cuda_hd, evaluate_account_matches_host_bit_for_bit) {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) GTEST_SKIP() << "no CUDA device";

  const tiny_book book;
  std::vector<void*> owned;
  const book_view host_view = make_view(book, false, owned);
  const book_view device_view = make_view(book, true, owned);

  // Instrument stage on the host for a shocked state (BTC -7%, vol +30%, 2-day horizon).
  const double r[2] = {0.0, -0.07};
  const double v[2] = {0.0, 0.3};
  std::vector<double> price(2), a(2), b(2), notional(2);
  const state_tables_out out_tables{1, price.data(), a.data(), b.data(), notional.data(), nullptr, nullptr};
  for (int32_t c = 0; c < 2; ++c) price_asset_in_state(host_view, c, r, out_tables, 0);
  for (int32_t i = 0; i < 2; ++i) price_instrument_in_state(host_view, i, r, v, 2.0, out_tables, 0);
  const state_tables host_tables{1, price.data(), a.data(), b.data(), notional.data(), nullptr, nullptr};
  const state_tables device_tables{1,
                                   to_device(price.data(), 2, owned),
                                   to_device(a.data(), 2, owned),
                                   to_device(b.data(), 2, owned),
                                   to_device(notional.data(), 2, owned),
                                   nullptr,
                                   nullptr};
  const run_params rp{0.5, 1.3};

  account_outcome* d_out = nullptr;
  double* d_black = nullptr;
  int64_t* d_fixed = nullptr;
  RS_TEST_CUDA(cudaMalloc(&d_out, sizeof(account_outcome)));
  RS_TEST_CUDA(cudaMalloc(&d_black, 2 * sizeof(double)));
  RS_TEST_CUDA(cudaMalloc(&d_fixed, sizeof(int64_t)));
  evaluate_kernel<<<1, 1>>>(device_view, device_tables, rp, d_out, d_black, d_fixed);
  RS_TEST_CUDA(cudaDeviceSynchronize());
  account_outcome got{};
  double black[2] = {};
  int64_t fixed = 0;
  RS_TEST_CUDA(cudaMemcpy(&got, d_out, sizeof(got), cudaMemcpyDeviceToHost));
  RS_TEST_CUDA(cudaMemcpy(black, d_black, sizeof(black), cudaMemcpyDeviceToHost));
  RS_TEST_CUDA(cudaMemcpy(&fixed, d_fixed, sizeof(fixed), cudaMemcpyDeviceToHost));

  const account_outcome want = evaluate_account(host_view, 0, table_lane{host_tables, 0}, rp);
  EXPECT_EQ(got.raw_equity, want.raw_equity);
  EXPECT_EQ(got.adj_equity, want.adj_equity);
  EXPECT_EQ(got.mm, want.mm);
  EXPECT_EQ(got.liquidated, want.liquidated);
  EXPECT_EQ(got.deficit, want.deficit);
  EXPECT_EQ(fixed, to_fixed(want.adj_equity));
  // Transcendentals may differ by an ulp between libm and CUDA's math library.
  EXPECT_NEAR(black[0], black76(100.0, 95.0, 0.25, 0.6, true), 1e-12 * black[0]);
  EXPECT_NEAR(black[1], black76(100.0, 95.0, 0.25, 0.6, false), 1e-12 * black[1]);
  for (void* p : owned) cudaFree(p);
  cudaFree(d_out);
  cudaFree(d_black);
  cudaFree(d_fixed);
}

}  // namespace
