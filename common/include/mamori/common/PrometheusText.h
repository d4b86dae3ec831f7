#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mamori::common {

// Prometheus's text exposition format (0.0.4), which the collector serves on /metrics and the
// agent leaves for node_exporter's textfile collector. Each family is declared once, then its
// samples follow it: the format wants a family's lines together.
class PrometheusText {
public:
    using Labels = std::vector<std::pair<std::string, std::string>>;

    // type: counter, gauge or histogram. Help is one line.
    void family(std::string_view name, std::string_view type, std::string_view help);
    // name: the family's, or a histogram's name_bucket / _sum / _count.
    void sample(std::string_view name, const Labels& labels, double value);

    const std::string& text() const { return text_; }

    // A label value as the format quotes it: backslash, double quote and line feed escaped.
    static std::string escape(std::string_view value);
    // 42, 0.25, 1e+21, NaN, +Inf: integers exactly, other values in the shortest round-tripping form.
    static std::string number(double value);

private:
    std::string text_;
};

}  // namespace mamori::common
