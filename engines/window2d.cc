// 2-D window geometry, following the ONNX Conv/MaxPool/AveragePool specifications.
#include "engines/window2d.h"

#include <algorithm>

#include "engines/reference/ref_util.h"

namespace joulebench {

using ref::Fail;

Window2d ComputeWindow2d(const Node& n, std::int64_t h, std::int64_t w, std::int64_t kh, std::int64_t kw, bool ceil_mode) {
  Window2d g{};
  g.kh = kh;
  g.kw = kw;
  const auto s = n.IntsAttr("strides", {1, 1});
  const auto d = n.IntsAttr("dilations", {1, 1});
  auto p = n.IntsAttr("pads", {0, 0, 0, 0});
  if (s.size() != 2 || d.size() != 2 || p.size() != 4) Fail(n, "only 2-D spatial ops are supported");
  g.sh = s[0], g.sw = s[1], g.dh = d[0], g.dw = d[1];
  const std::string auto_pad = n.StringAttr("auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    const std::int64_t ins[2] = {h, w}, ks[2] = {kh, kw}, ss[2] = {g.sh, g.sw}, ds[2] = {g.dh, g.dw};
    for (int i = 0; i < 2; ++i) {
      const std::int64_t out = (ins[i] + ss[i] - 1) / ss[i];
      const std::int64_t total = std::max<std::int64_t>(0, (out - 1) * ss[i] + (ks[i] - 1) * ds[i] + 1 - ins[i]);
      const std::int64_t small = total / 2, large = total - small;
      p[i] = auto_pad == "SAME_UPPER" ? small : large;
      p[i + 2] = auto_pad == "SAME_UPPER" ? large : small;
    }
  } else if (auto_pad == "VALID") {
    p = {0, 0, 0, 0};
  } else if (auto_pad != "NOTSET") {
    Fail(n, "unknown auto_pad " + auto_pad);
  }
  g.pt = p[0], g.pl = p[1], g.pb = p[2], g.pr = p[3];
  auto out = [&](std::int64_t in, std::int64_t k, std::int64_t st, std::int64_t dil, std::int64_t pb, std::int64_t pe) {
    const std::int64_t span = in + pb + pe - ((k - 1) * dil + 1);
    if (span < 0) Fail(n, "kernel larger than the padded input");
    std::int64_t o = (ceil_mode ? (span + st - 1) / st : span / st) + 1;
    if (ceil_mode && (o - 1) * st >= in + pb) --o;  // the last window must start inside the input or left pad
    return o;
  };
  g.oh = out(h, kh, g.sh, g.dh, g.pt, g.pb);
  g.ow = out(w, kw, g.sw, g.dw, g.pl, g.pr);
  return g;
}

}  // namespace joulebench
