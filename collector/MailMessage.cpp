#include "collector/MailMessage.h"

#include <openssl/rand.h>

#include <ctime>

#include "mamori/proto/Sha256.h"

namespace mamori::collector {

std::string MailMessage::base64(const std::string& data) {
    static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        const uint32_t n = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
        for (int s = 18; s >= 0; s -= 6) out += digits[(n >> s) & 63];
    }
    if (i + 1 == data.size()) {
        const uint32_t n = uint8_t(data[i]) << 16;
        out += digits[(n >> 18) & 63];
        out += digits[(n >> 12) & 63];
        out += "==";
    } else if (i + 2 == data.size()) {
        const uint32_t n = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8);
        out += digits[(n >> 18) & 63];
        out += digits[(n >> 12) & 63];
        out += digits[(n >> 6) & 63];
        out += '=';
    }
    return out;
}

bool MailMessage::plainAddress(const std::string& text) {
    const size_t at = text.find('@');
    if (at == 0 || at == std::string::npos || at + 1 >= text.size() || text.find('@', at + 1) != std::string::npos ||
        text.size() > 254)
        return false;
    for (unsigned char c : text)
        if (c <= 32 || c >= 127 || c == '"' || c == '<' || c == '>' || c == ',' || c == ';' || c == '(' || c == ')' ||
            c == '\\')
            return false;
    return true;
}

std::string MailMessage::compose(const std::string& from, const std::vector<std::string>& to, const std::string& subject,
                                 const std::string& body, int64_t date_unix) {
    const std::time_t t = static_cast<std::time_t>(date_unix);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char date[64];
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    std::string random(12, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(random.data()), static_cast<int>(random.size()));
    const std::string domain = from.substr(from.find('@') + 1);

    std::string recipients;
    for (const auto& r : to) recipients += (recipients.empty() ? "" : ", ") + r;
    // An encoded word is at most 75 characters: the subject in pieces of whole UTF-8 characters.
    std::string encoded_subject;
    for (size_t at = 0; at < subject.size();) {
        size_t end = std::min(subject.size(), at + 42);
        while (end < subject.size() && (uint8_t(subject[end]) & 0xC0) == 0x80) --end;
        encoded_subject += (encoded_subject.empty() ? "" : "\r\n ") + std::string("=?UTF-8?B?") +
                           base64(subject.substr(at, end - at)) + "?=";
        at = end;
    }
    std::string encoded_body;
    const std::string b = base64(body);
    for (size_t at = 0; at < b.size(); at += 76) encoded_body += b.substr(at, 76) + "\r\n";

    return "From: " + from + "\r\nTo: " + recipients + "\r\nSubject: " + encoded_subject + "\r\nDate: " + date +
           "\r\nMessage-ID: <" + proto::Sha256::hex(random) + "@" + domain +
           ">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
           encoded_body;
}

}  // namespace mamori::collector
