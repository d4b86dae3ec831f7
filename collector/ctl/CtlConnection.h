#pragma once
#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <utility>
#include <vector>

namespace mamori::collector {

// mamorictl's line to the collector's admin endpoint: its URL, the CA to trust and the
// administrator's token, from mamorictl.conf.
class CtlConnection {
public:
    // From `path`, or else $MAMORI_CTL_CONFIG, ~/.config/mamori/mamorictl.conf,
    // /etc/mamori/mamorictl.conf or /var/lib/mamori-collector/mamorictl.conf.
    static CtlConnection load(std::string path);

    // The answer's body as it is. An error answer throws a common::UserError carrying the
    // collector's words in English and Japanese (4xx), or a std::runtime_error (5xx).
    std::string fetch(boost::beast::http::verb method, const std::string& target, const std::string& body = {}) const;
    // The answer as JSON.
    boost::json::value call(boost::beast::http::verb method, const std::string& target,
                            const std::string& body = {}) const;

    // `s` as a value in a query string.
    static std::string encode(const std::string& s);
    // "?k1=v1&k2=v2" of the parameters whose value is not empty (an option left out), each encoded;
    // "" when none is left.
    static std::string query(const std::vector<std::pair<std::string, std::string>>& params);

private:
    std::string url_, ca_pem_, token_;
};

}  // namespace mamori::collector
