#pragma once
// A deep copy of an eval_book on the device: every array behind core::book_view is copied, and
// view() is the same book_view with device pointers, passed by value to the kernels.
#include "device_buffer.cuh"
#include "riskscan/core/views.hpp"
#include "riskscan/eval_book.hpp"

namespace riskscan::cuda {

class device_book {
 public:
  explicit device_book(const eval_book& book) : view_(book.view()) {  // counts; every pointer is replaced
    const core::book_sizes n = book.sizes();
    core::for_each_array(
        [&](core::array_layout layout, auto& pointer, auto& buffer) {
          buffer = to_device(pointer, n.elements(layout));
          pointer = buffer.get();
        },
        view_, buffers_);
  }

  // Device pointers; valid while this object lives.
  const core::book_view& view() const noexcept { return view_; }

 private:
  core::book_view view_;
  core::book_arrays<device_buffer> buffers_;
};

}  // namespace riskscan::cuda
