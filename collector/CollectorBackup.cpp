#include "collector/CollectorBackup.h"

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

#include "collector/SealedArchive.h"
#include "collector/Store.h"
#include "mamori/common/Files.h"
#include "mamori/common/SqliteDb.h"
#include "mamori/common/HiddenInput.h"
#include "mamori/common/UserError.h"
#include "mamori/proto/Sha256.h"

namespace mamori::collector {

namespace fs = std::filesystem;
using common::Files;
using common::UserError;

namespace {

constexpr const char* kManifestHead = "mamori-collector backup 1";
// What a collector's directory holds besides its store, in the order restored.
const char* const kKept[] = {"ca.key",      "ca.pem",          "server.key",    "server.pem",
                             "policy.key",  "admin.token",     "collector.conf", "mamorictl.conf"};

// Streamed: a store is gigabytes.
std::string sha256(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    proto::Sha256 digest;
    std::string chunk(1 << 20, '\0');
    while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0)
        digest.update(std::string_view(chunk.data(), static_cast<size_t>(in.gcount())));
    return proto::Sha256::hex(digest.finish());
}

bool isSqlite(const std::string& url) { return url.rfind("sqlite:", 0) == 0; }

// Every mention of the old directory in a configuration file, now the new one.
std::string moved(std::string text, const std::string& from, const std::string& to) {
    if (from.empty()) return text;
    for (size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) text.replace(at, from.size(), to);
    return text;
}

// The store line of collector.conf set to url, the rest kept as the administrator wrote it.
std::string withStore(const std::string& conf, const std::string& url) {
    std::istringstream in(conf);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        const size_t key = line.find_first_not_of(" \t");
        if (key != std::string::npos && line.compare(key, 5, "store") == 0 &&
            line.find_first_not_of(" \t", key + 5) != std::string::npos &&
            line[line.find_first_not_of(" \t", key + 5)] == '=')
            line = "store = " + url;
        out += line + "\n";
    }
    return out;
}

}  // namespace

void CollectorBackup::backup(const CollectorHome& home, const fs::path& to, const std::string& passphrase,
                             std::ostream& progress) {
    if (fs::exists(to) && !fs::is_empty(to))
        throw UserError::conflict(to.string() + " is not empty; back up into a new directory",
                                  to.string() + " は空ではありません。新しいディレクトリを指定してください");
    const auto started = std::chrono::steady_clock::now();
    fs::create_directories(to);
    fs::permissions(to, fs::perms::owner_all);
    const std::string url = home.config().get("store", "");
    std::ostringstream manifest;
    manifest << kManifestHead << "\n"
             << "from " << fs::absolute(home.dir()).string() << "\n"
             << "store " << (isSqlite(url) ? "sqlite" : "postgresql") << "\n";

    if (isSqlite(url)) {
        common::SqliteDb db(url.substr(7), common::SqliteDb::Access::ReadOnly);
        int shown = -1;
        db.backupTo((to / "store.db").string(), [&](int copied, int total) {
            const int percent = total ? static_cast<int>(int64_t{copied} * 100 / total) : 100;
            if (percent / 10 == shown / 10 && percent != 100) return;
            if (percent == shown) return;
            shown = percent;
            progress << "  store: " << percent << "% (" << copied << " of " << total << " pages)\n" << std::flush;
        });
        manifest << "sha256 " << sha256(to / "store.db") << " store.db\n";
    } else {
        Files::writeAtomic(to / "POSTGRESQL.txt",
                           "The store is in PostgreSQL; back it up there, beside this directory:\n"
                           "  pg_dump --format=custom --file=store.pgdump DATABASE_URL\n"
                           "and restore it before the collector: pg_restore --clean --if-exists --dbname=DATABASE_URL "
                           "store.pgdump\n"
                           "DATABASE_URL is the store line of collector.conf (sealed in keys.sealed).\n"
                           "ストアは PostgreSQL にあります。pg_dump で別途バックアップしてください。\n",
                           0644);
        progress << "  store: PostgreSQL, back it up with pg_dump (see POSTGRESQL.txt)\n";
    }

    std::vector<SealedArchive::File> files;
    for (const char* name : kKept) {
        const fs::path file = home.file(name);
        if (!fs::exists(file)) continue;
        const auto mode = static_cast<unsigned>(fs::status(file).permissions() & fs::perms::mask);
        files.push_back({name, mode, Files::read(file)});
    }
    Files::writeSecret(to / "keys.sealed", SealedArchive::seal(files, passphrase));
    manifest << "sha256 " << sha256(to / "keys.sealed") << " keys.sealed\n";
    progress << "  keys: " << files.size() << " files sealed\n";
    Files::writeAtomic(to / "MANIFEST", manifest.str(), 0600);
    Files::syncDirectory(to);
    progress << "backup complete in " << to.string() << " ("
             << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()
             << " ms)\n";
}

void CollectorBackup::restore(const fs::path& from, const fs::path& dir, const std::string& passphrase,
                              std::ostream& progress) {
    if (fs::exists(dir / "collector.conf"))
        throw UserError::conflict(dir.string() + " already holds a collector; restore into an empty directory",
                                  dir.string() + " には既にコレクターがあります。空のディレクトリに復元してください");
    const fs::path manifest_file = from / "MANIFEST";
    if (!fs::exists(manifest_file))
        throw UserError::invalid(from.string() + " holds no MANIFEST: not a backup, or one that did not finish",
                                 from.string() + " に MANIFEST がありません。バックアップではないか、途中で終わったものです");
    std::istringstream manifest(Files::read(manifest_file));
    std::string line, old_dir, store_kind;
    std::map<std::string, std::string> hashes;
    if (!std::getline(manifest, line) || line != kManifestHead)
        throw UserError::invalid("MANIFEST is not a mamori-collector backup's", "MANIFEST が mamori-collector のバックアップのものではありません");
    while (std::getline(manifest, line)) {
        std::istringstream words(line);
        std::string word, a, b;
        words >> word >> a;
        if (word == "from") old_dir = line.substr(5);
        else if (word == "store") store_kind = a;
        else if (word == "sha256" && (words >> b)) hashes[b] = a;
    }
    for (const char* name : {"keys.sealed", store_kind == "sqlite" ? "store.db" : nullptr}) {
        if (!name) continue;
        if (!hashes.count(name) || !fs::exists(from / name) || sha256(from / name) != hashes[name])
            throw UserError::invalid(std::string(name) + " is missing or altered since the backup (SHA-256 differs from MANIFEST)",
                                     std::string(name) + " がないか、バックアップ後に改変されています（SHA-256 が MANIFEST と異なります）");
    }
    // Opened before anything is written: a wrong passphrase leaves the directory as it was.
    const auto files = SealedArchive::open(Files::read(from / "keys.sealed"), passphrase);
    std::map<std::string, const SealedArchive::File*> by_name;
    for (const auto& f : files) by_name[f.name] = &f;
    for (const char* needed : {"ca.key", "ca.pem", "policy.key", "server.key", "server.pem", "collector.conf"})
        if (!by_name.count(needed))
            throw UserError::invalid(std::string("the backup holds no ") + needed, std::string("バックアップに ") + needed + " がありません");

    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all);
    const std::string new_dir = fs::absolute(dir).string();
    if (store_kind == "sqlite") {
        const fs::path db = dir / "store.db";
        fs::copy_file(from / "store.db", db);
        fs::permissions(db, fs::perms::owner_read | fs::perms::owner_write);
        openStore("sqlite:" + db.string());  // the schema checked, and brought up to this version
        progress << "  store: " << fs::file_size(db) << " bytes restored to " << db.string() << "\n";
    } else {
        progress << "  store: PostgreSQL; restore it with pg_restore before starting (see " << (from / "POSTGRESQL.txt").string()
                 << ")\n";
    }
    for (const char* name : kKept) {
        auto it = by_name.find(name);
        if (it == by_name.end()) continue;
        std::string data = it->second->data;
        if (std::string_view(name) == "collector.conf" || std::string_view(name) == "mamorictl.conf")
            data = moved(data, old_dir, new_dir);
        if (std::string_view(name) == "collector.conf" && store_kind == "sqlite")
            data = withStore(data, "sqlite:" + (fs::path(new_dir) / "store.db").string());
        // Certificates are public; everything else is a secret or says where one is.
        const bool certificate = fs::path(name).extension() == ".pem";
        Files::writeAtomic(dir / name, data, certificate ? 0644 : 0600);
    }
    Files::syncDirectory(dir);
    progress << "  keys: " << files.size() << " files restored (CA, server and policy keys; agents keep trusting this collector)\n"
             << "restored into " << new_dir << "; start it with: mamori-collector run --dir " << new_dir << "\n"
             << "  on another host name: mamori-collector renew-cert --dir " << new_dir << " --name NEW-NAME\n";
}

std::string CollectorBackup::passphrase(const std::string& file, bool confirm) {
    std::string phrase;
    if (!file.empty()) {
        std::istringstream in(Files::read(file));
        std::getline(in, phrase);
    } else {
        auto ask = [](const char* prompt) {
            std::string answer;
            if (!common::askHidden(prompt, answer))
                throw UserError::invalid("no terminal to ask the passphrase on; give --passphrase-file",
                                         "パスフレーズを入力する端末がありません。--passphrase-file を指定してください");
            return answer;
        };
        phrase = ask("passphrase / パスフレーズ: ");
        if (confirm && ask("again / もう一度: ") != phrase)
            throw UserError::invalid("the two passphrases differ", "2 回入力したパスフレーズが一致しません");
    }
    if (confirm && phrase.size() < 12)
        throw UserError::invalid("the passphrase must be at least 12 bytes: it is all that protects the CA key",
                                 "パスフレーズは 12 バイト以上にしてください。CA の鍵を守るのはこれだけです");
    if (phrase.empty()) throw UserError::invalid("the passphrase is empty", "パスフレーズが空です");
    return phrase;
}

}  // namespace mamori::collector
