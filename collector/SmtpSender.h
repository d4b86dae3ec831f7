#pragma once
#include <string>
#include <vector>

namespace mamori::collector {

// Hands a mail to the city's relay over SMTP (libcurl): smtp://relay:587 with STARTTLS required
// unless told otherwise, or smtps:// for TLS from the start. The relay's certificate is checked
// against ca_file (or the system's CAs). Sends nothing itself in the background: the caller's
// thread waits, bounded by timeouts.
class SmtpSender {
public:
    struct Settings {
        std::string url;      // smtp://HOST[:PORT] or smtps://HOST[:PORT]
        std::string from;     // the envelope sender and From:
        std::string ca_file;  // empty: the system's CAs
        bool require_tls = true;
    };
    explicit SmtpSender(Settings s);

    // Throws std::runtime_error with the relay's or the network's reason.
    void send(const std::vector<std::string>& to, const std::string& message) const;

    const Settings& settings() const { return s_; }

private:
    Settings s_;
};

}  // namespace mamori::collector
