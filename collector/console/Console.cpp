#include "collector/console/Console.h"

#include <boost/json.hpp>
#include <chrono>

#include "collector/AdminApi.h"
#include "collector/AdminRole.h"
#include "collector/console/AccessLogPage.h"
#include "collector/console/ConsoleContext.h"
#include "collector/console/ExceptionsPage.h"
#include "collector/console/FormData.h"
#include "collector/console/HtmlPage.h"
#include "collector/console/MediaPage.h"
#include "collector/console/PoliciesPage.h"
#include "collector/console/ReportPage.h"
#include "collector/console/TerminalPage.h"
#include "collector/console/TodayPage.h"
#include "console_assets.inc"
#include "mamori/common/Log.h"
#include "mamori/common/UserError.h"
#include "mamori/proto/EnrollmentToken.h"

namespace mamori::collector {

namespace {

using H = HtmlPage;

// No inline script or style anywhere: only the collector's own files may run or style a page.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
constexpr const char* kLoginCookie = "mamori_login";
constexpr const char* kLangCookie = "mamori_lang";

std::string pathOf(std::string_view target) { return std::string(target.substr(0, target.find('?'))); }

int64_t nowUnix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string cookieLine(const std::string& name, const std::string& value, bool clear = false) {
    return name + "=" + value + "; Path=/console; HttpOnly; Secure; SameSite=Strict" + (clear ? "; Max-Age=0" : "");
}

HttpResponse secured(HttpResponse res) {
    res.set("Content-Security-Policy", kContentSecurityPolicy);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("X-Frame-Options", "DENY");
    res.set("Referrer-Policy", "no-referrer");
    return res;
}

HttpResponse html(const HttpRequestHead& req, http::status status, std::string body) {
    HttpResponse res = HttpsServer::reply(req, status, std::move(body), "text/html; charset=utf-8");
    // Pages show evidence: nothing of them stays in a shared terminal's browser cache.
    res.set(http::field::cache_control, "no-store");
    return secured(std::move(res));
}

HttpResponse redirect(const HttpRequestHead& req, const std::string& location) {
    HttpResponse res = HttpsServer::reply(req, http::status::see_other, "", "text/plain; charset=utf-8");
    res.set(http::field::location, location);
    res.set(http::field::cache_control, "no-store");
    return secured(std::move(res));
}

// Where to go after a sign-in or a language switch: a console page, never another site.
std::string localPath(const std::string& wanted) {
    if (wanted.rfind("/console/", 0) != 0 || wanted.find("//") != std::string::npos ||
        wanted.find('\\') != std::string::npos || wanted.find_first_of("\r\n") != std::string::npos)
        return "/console/today";
    return wanted;
}

std::string errorPage(bool japanese, const HtmlPage::Viewer& viewer, http::status status, const std::string& en,
                      const std::string& ja) {
    HtmlPage page(japanese, {"Not possible", "実行できません"}, viewer, "");
    page.add("<p class=\"error\" role=\"alert\" id=\"error\">" + H::esc(japanese ? ja : en) + "</p>\n<p lang=\"" +
             std::string(japanese ? "en" : "ja") + "\" class=\"other-language\">" + H::esc(japanese ? en : ja) +
             "</p>\n<p class=\"status-code\">HTTP " + std::to_string(static_cast<unsigned>(status)) + "</p>\n");
    return page.finish();
}

// A download: the CSV as mamorictl writes it (UTF-8 with a BOM), under a Japanese file name (and
// an ASCII one for a browser that reads no other).
HttpResponse download(const HttpRequestHead& req, std::string csv, const std::string& ascii, const std::string& filename) {
    HttpResponse res = HttpsServer::reply(req, http::status::ok, std::move(csv), "text/csv; charset=utf-8");
    res.set(http::field::content_disposition,
            "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + H::query(filename));
    res.set(http::field::cache_control, "no-store");
    return secured(std::move(res));
}

}  // namespace

bool Console::owns(std::string_view target) {
    // A browser asks for /favicon.ico on its own: the console answers, not the token check.
    return target == "/favicon.ico" || target == "/console" || target.rfind("/console/", 0) == 0 || target.rfind("/console?", 0) == 0;
}

std::optional<HttpResponse> Console::admit(const HttpRequestHead& req, const Caller&, std::size_t& body_limit) {
    const std::string path = pathOf(req.target());
    if (req.method() == http::verb::get || req.method() == http::verb::head) {
        body_limit = 0;
        return std::nullopt;
    }
    if (req.method() != http::verb::post) {
        HttpResponse res = html(req, http::status::method_not_allowed, "");
        res.set(http::field::allow, "GET, POST");
        return res;
    }
    if (path == "/console/login") {
        body_limit = 4096;
        return std::nullopt;
    }
    // A form's body is read only for a live session: a stranger's costs the header.
    bool expired = false;
    if (!sessions_.current(req[http::field::cookie], nowUnix(), expired))
        return html(req, http::status::forbidden,
                    errorPage(true, {}, http::status::forbidden, "you are signed out; sign in again",
                              "ログアウトしています。もう一度ログインしてください"));
    // A profile may be a megabyte (PolicyLoader::kMaxBytes), and percent-encoding triples it.
    body_limit = path.rfind("/console/policies/", 0) == 0 ? kMaxProfileFormBytes : kMaxFormBytes;
    return std::nullopt;
}

HttpResponse Console::handle(const HttpRequest& req, const Caller& caller) {
    const std::string path = pathOf(req.target());
    const bool japanese = ConsoleSessions::cookie(req[http::field::cookie], kLangCookie) != "en";
    try {
        return route(req, caller, path, japanese);
    } catch (const common::UserError& e) {
        Log::info("console: " + caller.address + " " + std::string(req.method_string()) + " " + path +
                  " refused: " + e.english());
        return html(req, http::int_to_status(e.httpStatus()),
                    errorPage(japanese, {}, http::int_to_status(e.httpStatus()), e.english(), e.japanese()));
    } catch (const std::exception& e) {
        Log::error("console: " + std::string(req.method_string()) + " " + path + " by " + caller.address +
                   " failed: " + e.what());
        return html(req, http::status::internal_server_error,
                    errorPage(japanese, {}, http::status::internal_server_error,
                              "internal error; the collector's log has the details",
                              "コレクター内部でエラーが発生しました。詳細はコレクターのログを確認してください"));
    }
}

HttpResponse Console::route(const HttpRequest& req, const Caller& caller, const std::string& path, bool japanese) {
    const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
    if (path == "/console" || path == "/console/") return redirect(req, "/console/today");
    if (path == "/favicon.ico") return secured(HttpsServer::reply(req, http::status::not_found, ""));
    if (get && (path == "/console/assets/console.css" || path == "/console/assets/console.js")) {
        const bool css = path.ends_with(".css");
        HttpResponse res = HttpsServer::reply(req, http::status::ok, std::string(css ? kConsoleCSS : kConsoleJS),
                                              css ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
        res.set(http::field::cache_control, "max-age=3600");
        return secured(std::move(res));
    }
    const FormData query = FormData::ofTarget(req.target());
    if (get && path == "/console/lang") {
        HttpResponse res = redirect(req, localPath(query.text("back")));
        res.insert(http::field::set_cookie, cookieLine(kLangCookie, query.text("to") == "en" ? "en" : "ja"));
        return res;
    }
    if (path == "/console/login") {
        if (!get) return login(req, caller, japanese);
        return loginPage(req, query.text("next"), japanese,
                         query.has("expired") ? (japanese ? "操作のない時間が続いたため、ログアウトしました。"
                                                          : "You were signed out after a time without activity.")
                                              : "",
                         http::status::ok);
    }

    bool expired = false;
    auto current = sessions_.current(req[http::field::cookie], nowUnix(), expired);
    if (!current) {
        if (get)
            return redirect(req, "/console/login" + std::string(expired ? "?expired=1&" : "?") +
                                     "next=" + H::query(localPath(std::string(req.target()))));
        return html(req, http::status::forbidden,
                    errorPage(japanese, {}, http::status::forbidden, "you are signed out; sign in again",
                              "ログアウトしています。もう一度ログインしてください"));
    }
    const AdminUser& user = current->user;
    const HtmlPage::Viewer viewer{user.name, user.role, current->session.csrf, AdminRole::readsAccessLog(user)};
    FormData input = query;
    if (!get) {
        input = FormData::parse(req.body());
        // A form from another site cannot know the token; SameSite=Strict keeps the cookie home too.
        if (!ConsoleSessions::csrfMatches(current->session, input.text("csrf"))) {
            Log::warn("console: " + user.name + " from " + caller.address + " POST " + path +
                      " refused: the form's CSRF token is missing or wrong");
            return html(req, http::status::forbidden,
                        errorPage(japanese, viewer, http::status::forbidden,
                                  "the form's security token is missing or out of date; reload the page and try again",
                                  "フォームの確認用トークンがないか古くなっています。ページを再読み込みしてやり直してください"));
        }
        if (path == "/console/logout") {
            sessions_.logout(*current, nowUnix());
            HttpResponse res = redirect(req, "/console/login");
            res.insert(http::field::set_cookie, cookieLine(ConsoleSessions::kCookie, "", true));
            return res;
        }
    }
    const ConsoleContext ctx(api_, user, viewer, japanese, std::move(input));
    try {
        if (get && path == "/console/today") return html(req, http::status::ok, TodayPage::render(ctx));
        if (get && path == "/console/terminals") return html(req, http::status::ok, TerminalPage::list(ctx));
        if (get && path == "/console/terminal") return html(req, http::status::ok, TerminalPage::render(ctx));
        if (get && path == "/console/exceptions") return html(req, http::status::ok, ExceptionsPage::render(ctx));
        if (get && path == "/console/access-log") return html(req, http::status::ok, AccessLogPage::render(ctx));
        if (get && path == "/console/media") return html(req, http::status::ok, MediaPage::render(ctx));
        if (get && path == "/console/media.csv") return download(req, MediaPage::csv(ctx), "media-ledger.csv", "媒体管理台帳.csv");
        if (get && path == "/console/report") return html(req, http::status::ok, ReportPage::render(ctx));
        if (get && path == "/console/report.csv") {
            const std::string month = ReportPage::month(ctx);
            return download(req, ReportPage::csv(ctx), "monthly-" + month + ".csv", "月次点検_" + month + ".csv");
        }
        if (get && path == "/console/policies") return html(req, http::status::ok, PoliciesPage::render(ctx));
        if (!get && path == "/console/policies/check") return html(req, http::status::ok, PoliciesPage::check(ctx));
        if (!get && path == "/console/policies/push")
            return redirect(req, "/console/policies?done=" + H::query(PoliciesPage::push(ctx)));
        if (!get && path.rfind("/console/media/", 0) == 0) {
            const std::string action = path.substr(std::string("/console/media/").size());
            if (action == "register" || action == "approve" || action == "withdraw" || action == "retire")
                return redirect(req, "/console/media?done=" + H::query(MediaPage::act(ctx, action)));
        }
        if (!get && path.rfind("/console/exceptions/", 0) == 0) {
            const std::string action = path.substr(std::string("/console/exceptions/").size());
            if (action == "request" || action == "approve" || action == "revoke")
                return redirect(req, "/console/exceptions?done=" + H::query(ExceptionsPage::act(ctx, action)));
        }
    } catch (const ConsoleRefusal& e) {
        return html(req, e.status, errorPage(japanese, viewer, e.status, e.what(), e.japanese));
    }
    return html(req, http::status::not_found,
                errorPage(japanese, viewer, http::status::not_found, "no such page: " + path, "そのページはありません"));
}

HttpResponse Console::loginPage(const HttpRequestHead& req, const std::string& next, bool japanese,
                                const std::string& message, http::status status) {
    // The sign-in form's own token, bound to a cookie: a page elsewhere cannot sign a browser
    // in to an account of its choosing.
    const std::string token = mamori::proto::EnrollmentToken::generate("").secret;
    HtmlPage page(japanese, {"Sign in", "ログイン"}, {}, "/console/login");
    if (!message.empty()) page.add("<p class=\"notice\" role=\"alert\" id=\"message\">" + H::esc(message) + "</p>\n");
    page.add("<form method=\"post\" action=\"/console/login\" class=\"login\">"
             "<input type=\"hidden\" name=\"csrf\" value=\"" + H::esc(token) + "\">"
             "<input type=\"hidden\" name=\"next\" value=\"" + H::esc(localPath(next)) + "\">"
             "<p>" + H::field("user", page.say({"User name", "利用者名"}), "autocomplete=\"username\" required autofocus") +
             "</p><p>" + H::field("password", page.say({"Password", "パスワード"}),
                                  "type=\"password\" autocomplete=\"current-password\" required") +
             "</p><p><button type=\"submit\" id=\"login\">" + H::esc(page.say({"Sign in", "ログイン"})) +
             "</button></p></form>\n");
    HttpResponse res = html(req, status, page.finish());
    res.insert(http::field::set_cookie, cookieLine(kLoginCookie, token));
    return res;
}

HttpResponse Console::login(const HttpRequest& req, const Caller& caller, bool japanese) {
    const FormData form = FormData::parse(req.body());
    if (!ConsoleSessions::sameSecret(ConsoleSessions::cookie(req[http::field::cookie], kLoginCookie), form.text("csrf")))
        return loginPage(req, form.text("next"), japanese,
                         japanese ? "ログイン画面の有効期限が切れました。もう一度入力してください。"
                                  : "The sign-in form expired; please enter your name and password again.",
                         http::status::forbidden);
    const auto outcome = sessions_.login(form.text("user"), form.text("password"), caller.address, nowUnix());
    if (outcome.cookie.empty())
        return loginPage(req, form.text("next"), japanese, japanese ? outcome.refusal_ja : outcome.refusal_en,
                         http::status::unauthorized);
    HttpResponse res = redirect(req, localPath(form.text("next")));
    res.insert(http::field::set_cookie, cookieLine(ConsoleSessions::kCookie, outcome.cookie));
    res.insert(http::field::set_cookie, cookieLine(kLoginCookie, "", true));
    return res;
}

}  // namespace mamori::collector
