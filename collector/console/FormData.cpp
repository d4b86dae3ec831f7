#include "collector/console/FormData.h"

#include <boost/url/decode_view.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/pct_string_view.hpp>

#include "mamori/common/UserError.h"
#include "mamori/policy/TextEncoding.h"

namespace mamori::collector {

using common::UserError;

FormData FormData::parse(std::string_view encoded) {
    FormData form;
    boost::urls::encoding_opts plus;
    plus.space_as_plus = true;
    // Split here, decoded by Boost.URL: its query iterator was seen to hand out garbage for an
    // empty last value (Boost 1.81).
    auto decoded = [&](std::string_view text) -> std::string {
        if (text.empty()) return {};
        const auto checked = boost::urls::make_pct_string_view(text);
        if (!checked)
            throw UserError::invalid("the form is not validly encoded: " + checked.error().message(),
                                     "フォームの内容が正しく符号化されていません");
        const boost::urls::decode_view view(*checked, plus);
        std::string out(view.begin(), view.end());
        // What the pages pass on, and the errors that quote it, must be text.
        if (mamori::policy::TextEncoding::firstInvalidUtf8(out))
            throw UserError::invalid("the form is not UTF-8 text", "フォームの内容が UTF-8 の文字列ではありません");
        return out;
    };
    while (!encoded.empty()) {
        const auto end = encoded.find('&');
        const std::string_view field = encoded.substr(0, end);
        encoded = end == std::string_view::npos ? std::string_view() : encoded.substr(end + 1);
        if (field.empty()) continue;
        if (form.values_.size() == kMaxFields)
            throw UserError::invalid("the form has more than " + std::to_string(kMaxFields) + " fields",
                                     "フォームの項目が多すぎます（" + std::to_string(kMaxFields) + " まで）");
        const auto eq = field.find('=');
        std::string key = decoded(field.substr(0, eq));
        std::string value = eq == std::string_view::npos ? std::string() : decoded(field.substr(eq + 1));
        // Two values for one field would let a hidden one shadow what the page showed.
        if (!form.values_.emplace(key, std::move(value)).second)
            throw UserError::invalid("the form gives " + key + " twice", "フォームに " + key + " が2回あります");
    }
    return form;
}

FormData FormData::ofTarget(std::string_view target) {
    const auto q = target.find('?');
    return q == std::string_view::npos ? FormData() : parse(target.substr(q + 1));
}

std::string FormData::text(const std::string& key) const {
    const auto it = values_.find(key);
    return it == values_.end() ? std::string() : it->second;
}

}  // namespace mamori::collector
