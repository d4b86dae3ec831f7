#include "collector/PolicyUpload.h"

#include <boost/beast/core/detail/base64.hpp>

#include "mamori/common/UserError.h"

namespace mamori::collector {

namespace base64 = boost::beast::detail::base64;
using common::UserError;

std::string PolicyUpload::encode(const mamori::v1::Policy& policy) {
    const std::string raw = policy.SerializeAsString();
    std::string out(base64::encoded_size(raw.size()), '\0');
    out.resize(base64::encode(out.data(), raw.data(), raw.size()));
    return out;
}

mamori::v1::Policy PolicyUpload::decode(const std::string& text) {
    // Room for a last, partial quad too: the decoder writes its bytes, and decoded_size() counts
    // whole quads only (text one character short of a quad overran the buffer by two bytes).
    std::string raw(base64::decoded_size(text.size() + 3), '\0');
    const auto [written, read] = base64::decode(raw.data(), text.data(), text.size());
    // The decoder stops at the padding as at anything else that is not base64: what follows it
    // may be up to two '=' only.
    std::size_t end = read;
    while (end < text.size() && end < read + 2 && text[end] == '=') ++end;
    if (end != text.size() || text.size() % 4 != 0)
        throw UserError::invalid("policy_base64 is not base64 to its end (at character " + std::to_string(end + 1) +
                                     "); send it on one line, without spaces or line breaks",
                                 "policy_base64 が末尾まで base64 になっていません（" + std::to_string(end + 1) +
                                     " 文字目）。改行や空白を入れずに 1 行で送ってください");
    raw.resize(written);
    mamori::v1::Policy policy;
    if (!policy.ParseFromString(raw))
        throw UserError::invalid("policy_base64 is not a policy", "policy_base64 の内容がポリシーではありません");
    return policy;
}

}  // namespace mamori::collector
