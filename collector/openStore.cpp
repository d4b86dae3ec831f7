#include <string_view>

#include "collector/PostgresStore.h"
#include "collector/SqliteStore.h"
#include "collector/Store.h"
#include "mamori/common/UserError.h"

namespace mamori::collector {

// The one place that knows which Store implementations exist.
std::unique_ptr<Store> openStore(const std::string& url) {
    const std::string_view u = url;
    // libpq reads the URI itself: host, port, database, user, sslmode and the rest.
    if (u.starts_with("postgresql://") || u.starts_with("postgres://")) return std::make_unique<PostgresStore>(url);
    std::string_view path = u;
    if (u.starts_with("sqlite:")) {
        path = u.substr(7);
        // sqlite:///var/lib/x.db is the URL spelling of sqlite:/var/lib/x.db.
        if (path.starts_with("///")) {
            path.remove_prefix(2);
        } else if (path.starts_with("//")) {
            throw common::UserError::invalid(
                "storage URL " + url + " names a host; SQLite files are local: use sqlite:/path/to/collector.db",
                "保存先 " + url + " にホスト名があります。SQLite はローカルのファイルです。"
                "sqlite:/path/to/collector.db の形で指定してください。");
        }
    } else if (u.find("://") != std::string_view::npos) {
        throw common::UserError::invalid(
            "unknown storage URL " + url + "; use sqlite:/path/to/collector.db or postgresql://...",
            "保存先 " + url + " は使えません。sqlite:/path/to/collector.db の形で指定してください。");
    }
    if (path.empty())
        throw common::UserError::invalid(
            "the storage URL names no file; use sqlite:/path/to/collector.db",
            "保存先のファイル名がありません。sqlite:/path/to/collector.db の形で指定してください。");
    return std::make_unique<SqliteStore>(std::string(path));
}

}  // namespace mamori::collector
