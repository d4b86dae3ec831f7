#pragma once
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>

#include "collector/HttpsServer.h"

namespace mamori::collector {

// What every handler of the admin endpoint says and reads the same way: JSON answers, errors in
// English and Japanese, request bodies and their fields.
class AdminHttp {
public:
    static HttpResponse reply(const HttpRequestHead& req, http::status status, const boost::json::value& v);
    static HttpResponse error(const HttpRequestHead& req, http::status status, const std::string& en,
                              const std::string& ja);
    // The body as a JSON object; `shape` tells the client what was expected (common::UserError).
    static boost::json::object body(const HttpRequest& req, const std::string& shape);
    // A string member; `absent` when it is missing, a common::UserError when `required`.
    static std::string text(const boost::json::object& o, const std::string& key, const std::string& absent = {},
                            bool required = false);
    static int64_t nowUnix();
};

}  // namespace mamori::collector
