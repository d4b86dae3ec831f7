#pragma once
#include <cstdint>
#include <string>

namespace mamori::platform {

// One logon as the OS records it (utmp or logind): who, where, since when, and the process that
// owns it.
struct Session {
    std::string user;
    std::string line;  // tty ("pts/0", "tty1") or display (":0")
    std::string host;  // remote host, or the X display for graphical logons
    int32_t pid = 0;   // the session leader; ending it ends the session
    int64_t start_unix = 0;
    std::string id;    // logind's session id ("c2"); empty for a session known from utmp

    // The X display this session sits on (":0"), or empty for a text session.
    std::string display() const {
        if (!line.empty() && line.front() == ':') return line;
        if (!host.empty() && host.front() == ':') return host;
        return {};
    }

    friend bool operator==(const Session&, const Session&) = default;
};

}  // namespace mamori::platform
