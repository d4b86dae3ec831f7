#include "collector/AdminBody.h"

#include <boost/json/parse.hpp>

#include "mamori/common/UserError.h"

namespace mamori::collector {

using common::UserError;

AdminBody::AdminBody(const HttpRequest& req, const std::string& shape) {
    boost::system::error_code ec;
    boost::json::value body = boost::json::parse(req.body().empty() ? "{}" : req.body(), ec);
    if (ec || !body.is_object())
        throw UserError::invalid("the body must be a JSON object: " + shape,
                                 "本文は JSON オブジェクトで送ってください: " + shape);
    object_ = std::move(body.as_object());
}

std::string AdminBody::text(const std::string& key, const std::string& absent, bool required) const {
    const boost::json::value* v = object_.if_contains(key);
    if (!v || v->is_null()) {
        if (required) throw UserError::invalid(key + " is missing from the body", "本文に " + key + " がありません");
        return absent;
    }
    if (!v->is_string()) throw UserError::invalid(key + " must be a string", key + " は文字列で指定してください");
    return std::string(v->as_string());
}

std::string AdminBody::nonEmpty(const std::string& key, const std::string& english, const std::string& japanese) const {
    std::string v = text(key, "", true);
    if (v.find_first_not_of(" \t\r\n") == std::string::npos) throw UserError::invalid(english, japanese);
    return v;
}

}  // namespace mamori::collector
