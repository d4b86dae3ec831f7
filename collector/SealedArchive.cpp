#include "collector/SealedArchive.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <set>

#include "mamori/common/UserError.h"

namespace mamori::collector {

using common::UserError;

namespace {

constexpr std::string_view kMagic = "mamori-sealed-1\n";
constexpr size_t kSalt = 16, kNonce = 12, kTag = 16, kKey = 32;
constexpr size_t kHeader = kMagic.size() + 1 + kSalt + kNonce;

UserError notSealed(const std::string& why) {
    return UserError::invalid("not a sealed key archive: " + why, "暗号化された鍵の保管ファイルではありません（" + why + "）");
}

UserError unreadable() {
    return UserError::invalid("the passphrase is wrong, or the archive was altered",
                              "パスフレーズが違うか、保管ファイルが改変されています");
}

std::string key(std::string_view passphrase, std::string_view salt, int cost) {
    std::string out(kKey, '\0');
    const uint64_t n = uint64_t{1} << cost;
    if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                       salt.size(), n, 8, 1, 0x7fffffff, reinterpret_cast<unsigned char*>(out.data()), out.size()) != 1)
        throw std::runtime_error("scrypt failed");
    return out;
}

using Ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// AES-256-GCM one way or the other; false when decryption finds the tag wrong.
bool gcm(bool encrypt, std::string_view k, std::string_view nonce, std::string_view aad, std::string_view in,
         std::string& out, std::string& tag) {
    Ctx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    auto u = [](std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); };
    int len = 0;
    if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u(k), u(nonce), encrypt ? 1 : 0) != 1 ||
        EVP_CipherUpdate(ctx.get(), nullptr, &len, u(aad), static_cast<int>(aad.size())) != 1)
        throw std::runtime_error("AES-GCM setup failed");
    out.assign(in.size(), '\0');
    if (EVP_CipherUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, u(in),
                         static_cast<int>(in.size())) != 1)
        throw std::runtime_error("AES-GCM failed");
    if (!encrypt && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) != 1)
        throw std::runtime_error("AES-GCM tag failed");
    unsigned char rest[16];
    if (EVP_CipherFinal_ex(ctx.get(), rest, &len) != 1) return false;
    if (encrypt) {
        tag.assign(kTag, '\0');
        if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, tag.data()) != 1)
            throw std::runtime_error("AES-GCM tag failed");
    }
    return true;
}

void put(std::string& out, uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

bool plainName(const std::string& name) {
    if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
    for (unsigned char c : name)
        if (!std::isalnum(c) && c != '.' && c != '_' && c != '-') return false;
    return true;
}

}  // namespace

std::string SealedArchive::pack(const std::vector<File>& files) {
    std::string out;
    for (const auto& f : files) {
        if (!plainName(f.name) || f.mode > 0777 || f.data.size() > 0xffffffffu)
            throw std::invalid_argument("cannot seal file '" + f.name + "'");
        put(out, f.name.size(), 2);
        out += f.name;
        put(out, f.mode, 4);
        put(out, f.data.size(), 4);
        out += f.data;
    }
    return out;
}

std::vector<SealedArchive::File> SealedArchive::unpack(std::string_view in) {
    std::vector<File> files;
    std::set<std::string> seen;
    size_t at = 0;
    auto take = [&](size_t n) {
        if (in.size() - at < n) throw notSealed("a file is cut short");
        const std::string_view s = in.substr(at, n);
        at += n;
        return s;
    };
    auto number = [&](int bytes) {
        uint64_t v = 0;
        for (unsigned char c : take(bytes)) v = (v << 8) | c;
        return v;
    };
    while (at < in.size()) {
        File f;
        f.name = std::string(take(number(2)));
        f.mode = static_cast<unsigned>(number(4));
        f.data = std::string(take(number(4)));
        if (!plainName(f.name)) throw notSealed("a file has no plain name");
        if (f.mode > 0777) throw notSealed("file " + f.name + " has an impossible mode");
        if (!seen.insert(f.name).second) throw notSealed("file " + f.name + " is there twice");
        files.push_back(std::move(f));
    }
    return files;
}

std::string SealedArchive::seal(const std::vector<File>& files, std::string_view passphrase, int cost) {
    if (cost < kMinCost || cost > kMaxCost) throw std::invalid_argument("scrypt cost out of range");
    std::string header(kMagic);
    header += static_cast<char>(cost);
    std::string random(kSalt + kNonce, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(random.data()), static_cast<int>(random.size())) != 1)
        throw std::runtime_error("no random bytes");
    header += random;
    const std::string k = key(passphrase, std::string_view(random).substr(0, kSalt), cost);
    std::string cipher, tag;
    gcm(true, k, std::string_view(random).substr(kSalt), header, pack(files), cipher, tag);
    return header + cipher + tag;
}

std::vector<SealedArchive::File> SealedArchive::open(std::string_view sealed, std::string_view passphrase) {
    if (sealed.size() < kHeader + kTag || sealed.substr(0, kMagic.size()) != kMagic)
        throw notSealed("it does not begin as one");
    const int cost = static_cast<unsigned char>(sealed[kMagic.size()]);
    if (cost < kMinCost || cost > kMaxCost) throw notSealed("its key cost is out of range");
    const std::string_view header = sealed.substr(0, kHeader);
    const std::string_view salt = sealed.substr(kMagic.size() + 1, kSalt);
    const std::string_view nonce = sealed.substr(kMagic.size() + 1 + kSalt, kNonce);
    const std::string_view cipher = sealed.substr(kHeader, sealed.size() - kHeader - kTag);
    std::string tag(sealed.substr(sealed.size() - kTag));
    std::string plain;
    if (!gcm(false, key(passphrase, salt, cost), nonce, header, cipher, plain, tag)) throw unreadable();
    return unpack(plain);
}

}  // namespace mamori::collector
