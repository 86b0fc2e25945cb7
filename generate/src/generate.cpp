// `riskscan generate`: a realistic synthetic exchange snapshot, deterministic for a seed.
// The market lives in generate_market.cpp, the accounts in generate_accounts.cpp; this file holds
// the entry point, the shared arithmetic and the file writing.
#include "riskscan/generate.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "generate_internal.hpp"
#include "riskscan/error.hpp"

namespace riskscan {

namespace gen {

double norm_inv(double p) {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01, -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  constexpr double low = 0.02425;
  if (p < low) {
    const double q = std::sqrt(-2 * det_log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) {
    const double q = std::sqrt(-2 * det_log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

double black76(double forward, double strike, double years, double vol, bool call) {
  if (years <= 0 || vol <= 0) return call ? std::max(forward - strike, 0.0) : std::max(strike - forward, 0.0);
  const double sd = vol * std::sqrt(years);
  const double d1 = (det_log(forward / strike) + 0.5 * sd * sd) / sd;
  const double d2 = d1 - sd;
  const double v =
      call ? forward * norm_cdf(d1) - strike * norm_cdf(d2) : strike * norm_cdf(-d2) - forward * norm_cdf(-d1);
  return std::max(v, 0.0);
}

void put_number(fmt::memory_buffer& out, double x) {
  if (std::isinf(x)) {
    put(out, x > 0 ? "inf" : "-inf");
    return;
  }
  char tmp[64];
  const auto end = fmt::format_to_n(tmp, sizeof tmp - 1, "{}", x).out;
  const std::string_view s(tmp, static_cast<std::size_t>(end - tmp));
  const auto e = s.find('e');
  if (e == std::string_view::npos) {
    put(out, s);
    return;
  }
  // d.ddde±XX -> plain decimal with the same digits (still reads back to the same double).
  std::string_view mant = s.substr(0, e);
  const int exp10 = std::atoi(std::string(s.substr(e + 1)).c_str());
  if (!mant.empty() && mant.front() == '-') {
    out.push_back('-');
    mant.remove_prefix(1);
  }
  std::string digits;
  for (char ch : mant)
    if (ch != '.') digits += ch;
  const int point = 1 + exp10;  // digits before the decimal point
  if (point <= 0) {
    put(out, "0.");
    for (int i = 0; i < -point; ++i) out.push_back('0');
    put(out, digits);
  } else if (point >= static_cast<int>(digits.size())) {
    put(out, digits);
    for (int i = static_cast<int>(digits.size()); i < point; ++i) out.push_back('0');
  } else {
    put(out, std::string_view(digits).substr(0, point));
    out.push_back('.');
    put(out, std::string_view(digits).substr(point));
  }
}

void write_file(const std::filesystem::path& path, const std::vector<const fmt::memory_buffer*>& parts) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) throw output_error(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  bool ok = true;
  for (const auto* part : parts)
    if (part->size() > 0 && std::fwrite(part->data(), 1, part->size(), f) != part->size()) ok = false;
  const int saved = errno;
  if (std::fclose(f) != 0) ok = false;
  if (!ok) throw output_error(fmt::format("cannot write {}: {}", path.string(), std::strerror(saved ? saved : errno)));
}

}  // namespace gen

void generate_exchange(const generate_options& options, const std::filesystem::path& out) {
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) throw output_error(fmt::format("cannot create {}: {}", out.string(), ec.message()));
  if (!std::filesystem::is_directory(out, ec))
    throw output_error(fmt::format("cannot write {}: not a directory", out.string()));
  const gen::market m = gen::build_market(options.options);
  gen::write_market(m, out);
  gen::write_accounts(m, options, out);
}

}  // namespace riskscan
