#include "collector/ListenAddress.h"

#include <boost/asio/ip/address.hpp>
#include <charconv>

#include "mamori/common/UserError.h"

namespace mamori::collector {

boost::asio::ip::tcp::endpoint ListenAddress::parse(const std::string& text, const std::string& what) {
    auto refuse = [&](const std::string& en, const std::string& ja) {
        return common::UserError::invalid(
            what + " '" + text + "': " + en + "; write HOST:PORT, e.g. 0.0.0.0:8443 or [::1]:8444",
            what + " の「" + text + "」: " + ja + "。0.0.0.0:8443 や [::1]:8444 のように HOST:PORT の形で指定してください");
    };
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) throw refuse("no port", "ポート番号がありません");
    std::string host = text.substr(0, colon);
    const std::string port_text = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) throw refuse("no host (an IP address to listen on)", "ホスト（待ち受ける IP アドレス）がありません");
    int port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535)
        throw refuse("the port must be a whole number from 1 to 65535", "ポート番号は 1〜65535 の整数で指定してください");
    boost::system::error_code bad;
    const auto address = boost::asio::ip::make_address(host, bad);
    if (bad) throw refuse("'" + host + "' is not an IP address", "「" + host + "」は IP アドレスではありません");
    return {address, static_cast<unsigned short>(port)};
}

}  // namespace mamori::collector
