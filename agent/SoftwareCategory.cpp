#include "agent/SoftwareCategory.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace mamori::agent {

namespace {

// File-sharing software is the named risk of the national guideline: terminals must not have
// "ファイル共有ソフトウェア" installed (001 @45746). In Japanese local government the word means
// Winny and Share above all (the Antinny leaks), so their Windows program names are listed
// beside the BitTorrent, eDonkey, Gnutella, Direct Connect and Soulseek clients Debian ships.
const SoftwareCategory kP2p(
    "p2p",
    {
        "transmission", "transmission-cli", "transmission-common", "transmission-daemon", "transmission-gtk",
        "transmission-qt", "transmission-remote-gtk", "qbittorrent", "qbittorrent-nox", "deluge", "deluged",
        "deluge-common", "deluge-console", "deluge-gtk", "deluge-web", "ktorrent", "rtorrent", "aria2", "ctorrent",
        "bittornado", "bittorrent", "biglybt", "frostwire", "fragments", "tixati", "webtorrent", "amule",
        "amule-daemon", "amule-utils", "amule-utils-gui", "mldonkey-server", "mldonkey-gui", "gtk-gnutella",
        "nicotine", "eiskaltdcpp", "eiskaltdcpp-qt", "eiskaltdcpp-gtk", "eiskaltdcpp-daemon", "linuxdcpp",
        "microdc2", "retroshare", "gnunet", "gnunet-gtk", "tribler", "vuze", "azureus",
    },
    {
        "transmission-gtk", "transmission-qt", "transmission-cli", "transmission-daemon", "transmission-remote",
        "qbittorrent", "qbittorrent-nox", "deluge", "deluged", "deluge-gtk", "deluge-web", "deluge-console",
        "ktorrent", "rtorrent", "aria2c", "ctorrent", "btdownloadheadless", "btdownloadcurses", "biglybt",
        "frostwire", "tixati", "webtorrent", "amule", "amuled", "amulegui", "amulecmd", "mlnet",
        "gtk-gnutella", "nicotine", "eiskaltdcpp-qt", "eiskaltdcpp-gtk", "eiskaltdcpp-daemon", "linuxdcpp",
        "microdc2", "retroshare", "gnunet-arm", "tribler", "vuze", "azureus",
        "winny.exe", "share.exe", "cabos.exe", "perfectdark.exe", "pd.exe", "limewire.exe", "utorrent.exe",
        "bittorrent.exe", "qbittorrent.exe", "emule.exe", "shareaza.exe", "frostwire.exe",
    });

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

}  // namespace

const std::vector<const SoftwareCategory*>& SoftwareCategory::all() {
    static const std::vector<const SoftwareCategory*> all = {&kP2p};
    return all;
}

const SoftwareCategory* SoftwareCategory::find(std::string_view name) {
    for (const auto* c : all()) {
        if (c->name() == name) return c;
    }
    return nullptr;
}

bool SoftwareCategory::matchesPackage(std::string_view package) const {
    return std::find(packages_.begin(), packages_.end(), package) != packages_.end();
}

// Program names compare without case: Windows names arrive in any spelling (Winny.exe).
bool SoftwareCategory::matchesProgram(std::string_view file_name) const {
    const std::string l = lower(file_name);
    return std::find(programs_.begin(), programs_.end(), l) != programs_.end();
}

}  // namespace mamori::agent
