#pragma once
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "collector/AdminStore.h"
#include "collector/HttpsServer.h"
#include "collector/console/FormData.h"
#include "collector/console/HtmlPage.h"

namespace mamori::collector {

class AdminApi;

// The admin endpoint refused what a page asked for: its status and both messages, shown as
// they are to mamorictl.
struct ConsoleRefusal : std::runtime_error {
    ConsoleRefusal(http::status s, const std::string& english, std::string japanese_text)
        : std::runtime_error(english), status(s), japanese(std::move(japanese_text)) {}
    http::status status;
    std::string japanese;
};

// What a page of the console has to work with: the signed-in user, the request's query or form,
// the language, and the admin endpoint, asked as that user. Pages show the admin endpoint's
// answers and add no rule of their own: its roles, scopes, access records and errors are theirs.
class ConsoleContext {
public:
    using Params = std::vector<std::pair<std::string, std::string>>;

    ConsoleContext(AdminApi& api, AdminUser user, HtmlPage::Viewer viewer, bool japanese, FormData input)
        : api_(api), user_(std::move(user)), viewer_(std::move(viewer)), japanese_(japanese), input_(std::move(input)) {}

    // The admin endpoint's JSON answer to GET path?params, or to a POST of `body`; a
    // ConsoleRefusal when it refuses.
    boost::json::value get(const std::string& path, const Params& params = {}) const;
    // The "rows" of a GET's answer (a listing), to be held by value: a range-for over a member of a
    // temporary answer would outlive it.
    boost::json::array rows(const std::string& path, const Params& params = {}) const;
    boost::json::value post(const std::string& path, const boost::json::object& body) const;
    // path?params, each value percent-encoded; empty values left out.
    static std::string target(const std::string& path, const Params& params);

    const AdminUser& user() const { return user_; }
    const FormData& input() const { return input_; }
    bool japanese() const { return japanese_; }
    // A page of this user's in this language; after an action (?done=what was done, the
    // redirect that follows every form) it begins by saying so.
    HtmlPage page(const HtmlPage::Words& title, const std::string& path) const;
    // The words of the page's language, for tables shared with mamorictl.
    AnswerText words() const { return AnswerText(japanese_); }

private:
    boost::json::value ask(HttpRequest req) const;

    AdminApi& api_;
    AdminUser user_;
    HtmlPage::Viewer viewer_;
    bool japanese_;
    FormData input_;
};

}  // namespace mamori::collector
