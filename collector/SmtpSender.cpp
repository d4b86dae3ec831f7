#include "collector/SmtpSender.h"

#include <curl/curl.h>

#include <cstring>
#include <memory>
#include <stdexcept>

#include "mamori/common/UserError.h"

namespace mamori::collector {

SmtpSender::SmtpSender(Settings s) : s_(std::move(s)) {
    if (s_.url.rfind("smtp://", 0) != 0 && s_.url.rfind("smtps://", 0) != 0)
        throw common::UserError::invalid("smtp_url must begin smtp:// or smtps://, not '" + s_.url + "'",
                                         "smtp_url は smtp:// か smtps:// で始めてください（'" + s_.url + "'）");
    static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (global != CURLE_OK) throw std::runtime_error("libcurl cannot start");
}

void SmtpSender::send(const std::vector<std::string>& to, const std::string& message) const {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) throw std::runtime_error("libcurl cannot make a handle");
    curl_slist* rcpt = nullptr;
    for (const auto& r : to) rcpt = curl_slist_append(rcpt, ("<" + r + ">").c_str());
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt_owner(rcpt, curl_slist_free_all);
    struct Reader {
        const std::string* data;
        size_t at = 0;
    } reader{&message};
    auto read = +[](char* buffer, size_t size, size_t count, void* user) -> size_t {
        auto* r = static_cast<Reader*>(user);
        const size_t n = std::min(size * count, r->data->size() - r->at);
        std::memcpy(buffer, r->data->data() + r->at, n);
        r->at += n;
        return n;
    };
    char error[CURL_ERROR_SIZE] = "";
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, s_.url.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, ("<" + s_.from + ">").c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read);
    curl_easy_setopt(c, CURLOPT_READDATA, &reader);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    // STARTTLS or nothing: a relay that does not offer it is refused, so addresses and the
    // findings never cross the network in clear by a downgrade.
    if (s_.require_tls) curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    if (!s_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, s_.ca_file.c_str());
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK)
        throw std::runtime_error(std::string("mail to ") + s_.url + " failed: " + (error[0] ? error : curl_easy_strerror(rc)));
}

}  // namespace mamori::collector
