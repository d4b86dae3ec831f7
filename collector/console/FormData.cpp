#include "collector/console/FormData.h"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse_query.hpp>

#include "mamori/common/UserError.h"

namespace mamori::collector {

using common::UserError;

FormData FormData::parse(std::string_view encoded) {
    FormData form;
    if (encoded.empty()) return form;
    auto params = boost::urls::parse_query(encoded);
    if (!params)
        throw UserError::invalid("the form is not validly encoded: " + params.error().message(),
                                 "フォームの内容が正しく符号化されていません");
    boost::urls::encoding_opts plus;
    plus.space_as_plus = true;
    for (auto p : *params) {
        if (form.values_.size() == kMaxFields)
            throw UserError::invalid("the form has more than " + std::to_string(kMaxFields) + " fields",
                                     "フォームの項目が多すぎます（" + std::to_string(kMaxFields) + " まで）");
        std::string key = p.key.decode(plus);
        // Two values for one field would let a hidden one shadow what the page showed.
        if (!form.values_.emplace(key, p.has_value ? p.value.decode(plus) : std::string()).second)
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
