#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mamori::common {

// An HTTPS/1.1 client on one kept-alive connection, for the agent's uploader (as a coroutine on
// the agent's single reactor) and for mamorictl (blocking, through fetch()).
// Network failures and timeouts throw boost::system::system_error; HTTP errors are returned.
class HttpsClient {
public:
    struct Response {
        unsigned status = 0;
        std::string body;
        std::string content_type;
        // How long a 503 asks the client to wait, in seconds: its Retry-After (at most an hour),
        // or 5 when it does not say; 0 for any other answer. A connection the server turned away
        // before its handshake (TlsBusyAlert) is answered as a 503 with its Retry-After.
        unsigned retry_after_s = 0;
    };
    using Headers = std::vector<std::pair<std::string, std::string>>;

    // url: https://host[:port] ; the TLS context carries the trust anchor and client identity.
    HttpsClient(boost::asio::any_io_executor ex, boost::asio::ssl::context& tls, const std::string& url,
                std::chrono::milliseconds timeout);
    ~HttpsClient();

    boost::asio::awaitable<Response> request(boost::beast::http::verb method, std::string target, std::string body,
                                             std::string content_type, Headers headers = {});
    void close();
    const std::string& host() const;

    // One blocking request on a private reactor.
    static Response fetch(boost::asio::ssl::context& tls, const std::string& url, boost::beast::http::verb method,
                          std::string target, std::string body, std::string content_type, Headers headers,
                          std::chrono::milliseconds timeout);

    // TLS 1.3 client context trusting exactly the given CA; with a client identity when given.
    // Connections made with it resume the last session each server gave (TlsSessionCache).
    static std::shared_ptr<boost::asio::ssl::context> context(const std::string& ca_pem,
                                                              const std::string& cert_pem = {},
                                                              const std::string& key_pem = {});

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mamori::common
