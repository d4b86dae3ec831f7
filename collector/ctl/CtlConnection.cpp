#include "collector/ctl/CtlConnection.h"

#include <boost/json.hpp>
#include <chrono>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "mamori/common/ConfigFile.h"
#include "mamori/common/Files.h"
#include "mamori/common/HttpsClient.h"
#include "mamori/common/UserError.h"

namespace mamori::collector {

namespace json = boost::json;
namespace http = boost::beast::http;

CtlConnection CtlConnection::load(std::string path) {
    if (path.empty()) {
        if (const char* env = std::getenv("MAMORI_CTL_CONFIG")) path = env;
    }
    if (path.empty()) {
        const char* home = std::getenv("HOME");
        std::string user = home ? std::string(home) + "/.config/mamori/mamorictl.conf" : "";
        // The last one is what the collector package's first start writes for its local administrator.
        for (std::string candidate : {user, std::string("/etc/mamori/mamorictl.conf"),
                                      std::string("/var/lib/mamori-collector/mamorictl.conf")}) {
            if (!candidate.empty() && std::filesystem::exists(candidate)) {
                path = candidate;
                break;
            }
        }
        if (path.empty()) path = "/etc/mamori/mamorictl.conf";
    }
    auto cfg = common::ConfigFile::load(path, {"url", "ca", "token_file"});
    CtlConnection c;
    c.url_ = cfg.get("url", "https://127.0.0.1:8444");
    c.ca_pem_ = common::Files::read(cfg.get("ca", "/etc/mamori/ca.pem"));
    c.token_ = common::Files::read(cfg.get("token_file", "/etc/mamori/admin.token"));
    while (!c.token_.empty() && (c.token_.back() == '\n' || c.token_.back() == '\r')) c.token_.pop_back();
    return c;
}

std::string CtlConnection::fetch(http::verb method, const std::string& target, const std::string& body) const {
    auto tls = common::HttpsClient::context(ca_pem_);
    auto res = common::HttpsClient::fetch(*tls, url_, method, target, body, "application/json",
                                          {{"Authorization", "Bearer " + token_}}, std::chrono::seconds(300));
    if (res.status < 300) return std::move(res.body);
    boost::system::error_code ec;
    const json::value v = json::parse(res.body, ec);
    const json::object* o = !ec && v.is_object() ? &v.as_object() : nullptr;
    auto field = [&](const char* key) {
        const json::value* f = o ? o->if_contains(key) : nullptr;
        return f && f->is_string() ? std::string(f->as_string()) : std::string();
    };
    std::string english = field("error"), japanese = field("error_ja");
    if (english.empty()) english = res.body;
    while (!english.empty() && english.back() == '\n') english.pop_back();
    english = "the collector answered HTTP " + std::to_string(res.status) + ": " + english;
    using Kind = common::UserError::Kind;
    switch (res.status) {
        case 400: throw common::UserError(Kind::Invalid, english, japanese);
        case 401: throw common::UserError(Kind::Unauthorized, english, japanese);
        case 403: throw common::UserError(Kind::Forbidden, english, japanese);
        case 404: throw common::UserError(Kind::NotFound, english, japanese);
        case 409: throw common::UserError(Kind::Conflict, english, japanese);
        case 413: throw common::UserError(Kind::TooLarge, english, japanese);
    }
    throw std::runtime_error(english + (japanese.empty() ? "" : "\n  " + japanese));
}

json::value CtlConnection::call(http::verb method, const std::string& target, const std::string& body) const {
    const std::string answer = fetch(method, target, body);
    boost::system::error_code ec;
    json::value v = json::parse(answer, ec);
    if (ec) throw std::runtime_error("the collector's answer is not JSON");
    return v;
}

std::string CtlConnection::query(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string q;
    for (const auto& [key, value] : params)
        if (!value.empty()) q += (q.empty() ? "?" : "&") + key + "=" + encode(value);
    return q;
}

std::string CtlConnection::encode(const std::string& s) {
    static const char* const hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace mamori::collector
