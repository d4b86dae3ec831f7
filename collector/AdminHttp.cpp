#include "collector/AdminHttp.h"

#include <boost/json.hpp>
#include <chrono>

#include "mamori/common/UserError.h"

namespace mamori::collector {

namespace json = boost::json;
using common::UserError;

HttpResponse AdminHttp::reply(const HttpRequestHead& req, http::status status, const json::value& v) {
    return HttpsServer::reply(req, status, json::serialize(v) + "\n", "application/json");
}

HttpResponse AdminHttp::error(const HttpRequestHead& req, http::status status, const std::string& en,
                              const std::string& ja) {
    return reply(req, status, json::object{{"error", en}, {"error_ja", ja}});
}

json::object AdminHttp::body(const HttpRequest& req, const std::string& shape) {
    boost::system::error_code ec;
    json::value body = json::parse(req.body().empty() ? "{}" : req.body(), ec);
    if (ec || !body.is_object())
        throw UserError::invalid("the body must be a JSON object: " + shape,
                                 "本文は JSON オブジェクトで送ってください: " + shape);
    return std::move(body.as_object());
}

std::string AdminHttp::text(const json::object& o, const std::string& key, const std::string& absent, bool required) {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) {
        if (required) throw UserError::invalid(key + " is missing from the body", "本文に " + key + " がありません");
        return absent;
    }
    if (!v->is_string()) throw UserError::invalid(key + " must be a string", key + " は文字列で指定してください");
    return std::string(v->as_string());
}

int64_t AdminHttp::nowUnix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace mamori::collector
