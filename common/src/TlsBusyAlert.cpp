#include "mamori/common/TlsBusyAlert.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <boost/asio/ssl/error.hpp>

namespace mamori::common {

void TlsBusyAlert::send(boost::asio::ip::tcp::socket& socket) {
    // A TLS record: alert (21), legacy version 3.3, two bytes: fatal (2), internal_error (80).
    // Before a ServerHello nothing is encrypted, in TLS 1.3 as before.
    static constexpr std::array<unsigned char, 7> kAlert{21, 3, 3, 0, 2, 2, SSL_AD_INTERNAL_ERROR};
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    if (ec) return;
    // A ClientHello is a few hundred bytes; a client that sent more is no client of ours.
    std::array<char, 4096> sink;
    for (int reads = 0; reads < 4 && !ec; ++reads) socket.read_some(boost::asio::buffer(sink), ec);
    ec.clear();
    socket.write_some(boost::asio::buffer(kAlert), ec);
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
}

bool TlsBusyAlert::received(const boost::system::error_code& handshake_error) {
    if (handshake_error.category() != boost::asio::error::get_ssl_category()) return false;
    const auto code = static_cast<unsigned long>(handshake_error.value());
    return ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) == SSL_R_TLSV1_ALERT_INTERNAL_ERROR;
}

}  // namespace mamori::common
