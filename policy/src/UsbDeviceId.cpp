#include "mamori/policy/UsbDeviceId.h"

#include <cstdio>

namespace mamori::policy {
namespace {

// A USB string descriptor holds at most 126 UTF-16 units, 378 bytes in UTF-8.
constexpr std::size_t kMaxSerialBytes = 378;

std::optional<std::uint16_t> hex4(std::string_view s) {
    if (s.size() != 4) return std::nullopt;
    std::uint16_t v = 0;
    for (const char c : s) {
        int d = 0;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return std::nullopt;
        v = static_cast<std::uint16_t>(v * 16 + d);
    }
    return v;
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// What is echoed back: enough to find the typo, never a control character.
std::string shown(std::string_view s) {
    std::string out(s.substr(0, 80));
    for (auto& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    }
    return out;
}

UsbDeviceId::Parsed refused(std::string_view text, const std::string& en, const std::string& ja) {
    constexpr const char* kForm = "write VID:PID:SERIAL as lsusb and lsusb -v show them, e.g. \"0781:5581:4C530001\", "
                                  "or VID:PID for a device without a serial number";
    constexpr const char* kFormJa = "lsusb と lsusb -v の表示どおり ベンダー:プロダクト:シリアル（例: \"0781:5581:4C530001\"）、"
                                    "シリアル番号のない機器は ベンダー:プロダクト の形で書いてください。";
    return {std::nullopt, "\"" + shown(text) + "\" is not a USB device id: " + en + "; " + kForm,
            "「" + shown(text) + "」は USB デバイスの指定として正しくありません（" + ja + "）。" + kFormJa};
}

}  // namespace

UsbDeviceId::Parsed UsbDeviceId::parse(std::string_view text) {
    const std::string_view s = trimmed(text);
    const auto c1 = s.find(':');
    if (c1 == std::string_view::npos)
        return refused(text, "there is no \":\" between vendor and product", "ベンダーとプロダクトの間に「:」がありません");
    const auto c2 = s.find(':', c1 + 1);
    const auto vendor = hex4(s.substr(0, c1));
    if (!vendor)
        return refused(text, "the vendor \"" + shown(s.substr(0, c1)) + "\" is not 4 hexadecimal digits",
                       "ベンダー「" + shown(s.substr(0, c1)) + "」が 16 進数 4 桁ではありません");
    const std::string_view product_text =
        c2 == std::string_view::npos ? s.substr(c1 + 1) : s.substr(c1 + 1, c2 - c1 - 1);
    const auto product = hex4(product_text);
    if (!product)
        return refused(text, "the product \"" + shown(product_text) + "\" is not 4 hexadecimal digits",
                       "プロダクト「" + shown(product_text) + "」が 16 進数 4 桁ではありません");
    UsbDeviceId id;
    id.vendor_ = *vendor;
    id.product_ = *product;
    if (c2 != std::string_view::npos) {
        // The serial is the rest, ':' included: some devices put colons in it.
        const std::string_view serial = s.substr(c2 + 1);
        if (serial.empty())
            return refused(text, "the serial after the second \":\" is empty",
                           "2 つ目の「:」の後のシリアル番号が空です");
        if (serial.size() > kMaxSerialBytes)
            return refused(text, "the serial is longer than a USB device can report",
                           "シリアル番号が USB 機器の報告できる長さを超えています");
        for (const char c : serial) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                return refused(text, "the serial contains a control character", "シリアル番号に制御文字が含まれています");
        }
        id.serial_ = std::string(serial);
    }
    return {id, {}, {}};
}

std::string UsbDeviceId::str() const {
    char head[16];
    std::snprintf(head, sizeof head, "%04x:%04x", vendor_, product_);
    return serial_ ? std::string(head) + ":" + *serial_ : std::string(head);
}

bool UsbDeviceId::matches(std::uint16_t vendor, std::uint16_t product, bool has_serial, std::string_view serial) const {
    if (vendor != vendor_ || product != product_) return false;
    return serial_ ? has_serial && serial == *serial_ : !has_serial;
}

}  // namespace mamori::policy
