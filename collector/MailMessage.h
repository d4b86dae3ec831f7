#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mamori::collector {

// A plain-text mail as RFC 5322 and MIME want it for Japanese: the subject as an RFC 2047
// encoded word (UTF-8, base64), the body UTF-8 in base64 lines of 76, CRLF line ends. UTF-8
// rather than ISO-2022-JP: every mail client a city uses reads it, and nothing is lost to the
// JIS X 0208 repertoire (機種依存文字 in a terminal's name stay as they are).
class MailMessage {
public:
    static std::string compose(const std::string& from, const std::vector<std::string>& to, const std::string& subject,
                               const std::string& body, int64_t date_unix);

    // Whether text is one plain address (local@domain, no spaces, quotes, brackets or line breaks):
    // what the configuration may name, since it goes into headers and the SMTP envelope.
    static bool plainAddress(const std::string& text);

    static std::string base64(const std::string& data);
};

}  // namespace mamori::collector
