#include "mamori/common/PrometheusText.h"

#include <charconv>
#include <cmath>

namespace mamori::common {

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
    text_.append("# HELP ").append(name).append(" ");
    // HELP escapes backslash and line feed only.
    for (char c : help) {
        if (c == '\\') text_ += "\\\\";
        else if (c == '\n') text_ += "\\n";
        else text_ += c;
    }
    text_.append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
}

void PrometheusText::sample(std::string_view name, const Labels& labels, double value) {
    text_.append(name);
    if (!labels.empty()) {
        text_ += '{';
        for (size_t i = 0; i < labels.size(); ++i) {
            if (i) text_ += ',';
            text_.append(labels[i].first).append("=\"").append(escape(labels[i].second)).append("\"");
        }
        text_ += '}';
    }
    text_.append(" ").append(number(value)).append("\n");
}

std::string PrometheusText::escape(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string PrometheusText::number(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buf[32];
    // Below 2^53 an integral value prints as one, without an exponent.
    if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
        const auto r = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(value));
        return std::string(buf, r.ptr);
    }
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, r.ptr);
}

}  // namespace mamori::common
