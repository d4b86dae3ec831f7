#include "collector/console/ConsoleContext.h"

#include <boost/json.hpp>
#include <boost/url/url.hpp>

#include "collector/AdminApi.h"

namespace mamori::collector {

namespace json = boost::json;

std::string ConsoleContext::target(const std::string& path, const Params& params) {
    boost::urls::url u(path);
    for (const auto& [k, v] : params)
        if (!v.empty()) u.params().append({k, v});
    return std::string(u.buffer());
}

json::value ConsoleContext::get(const std::string& path, const Params& params) const {
    HttpRequest req{http::verb::get, target(path, params), 11};
    return ask(std::move(req));
}

json::array ConsoleContext::rows(const std::string& path, const Params& params) const {
    json::value v = get(path, params);
    return std::move(v.as_object().at("rows").as_array());
}

json::value ConsoleContext::post(const std::string& path, const json::object& body) const {
    HttpRequest req{http::verb::post, path, 11};
    req.body() = json::serialize(body);
    req.prepare_payload();
    return ask(std::move(req));
}

json::value ConsoleContext::ask(HttpRequest req) const {
    const HttpResponse res = api_.serve(req, user_);
    json::value v = json::parse(res.body());
    if (res.result_int() >= 300) {
        const auto& o = v.as_object();
        throw ConsoleRefusal(res.result(), str(o.at("error")), str(o.at("error_ja")));
    }
    return v;
}

std::string ConsoleContext::str(const json::value& v) {
    if (v.is_string()) return std::string(v.as_string());
    if (v.is_null()) return {};
    if (v.is_bool()) return v.as_bool() ? "true" : "false";
    return json::serialize(v);
}

std::string ConsoleContext::shortTime(const json::value& iso, const std::string& never) {
    if (!iso.is_string()) return never;
    std::string t(iso.as_string());
    // "2026-12-04T16:49:03+09:00": the zone is the page's, said in its heading.
    if (t.size() >= 16) return t.substr(0, 10) + " " + t.substr(11, 5);
    return t;
}

}  // namespace mamori::collector
