#include "collector/console/ConsoleContext.h"

#include <boost/json.hpp>
#include <boost/url/url.hpp>

#include "collector/AdminApi.h"

namespace mamori::collector {

namespace json = boost::json;

std::string ConsoleContext::target(const std::string& path, const Params& params) {
    boost::urls::url u(path);
    for (const auto& [k, v] : params)
        if (!v.empty()) u.params().append({k, v});
    return std::string(u.buffer());
}

HtmlPage ConsoleContext::page(const HtmlPage::Words& title, const std::string& path) const {
    HtmlPage page(japanese_, title, viewer_, path);
    if (const std::string done = input_.text("done"); !done.empty())
        page.add("<p class=\"notice\" role=\"status\" id=\"done\">" + HtmlPage::esc(page.say({"Done: ", "完了しました: "}) + done) +
                 "</p>\n");
    return page;
}

json::value ConsoleContext::get(const std::string& path, const Params& params) const {
    HttpRequest req{http::verb::get, target(path, params), 11};
    return ask(std::move(req));
}

json::array ConsoleContext::rows(const std::string& path, const Params& params) const {
    json::value v = get(path, params);
    return std::move(v.as_object().at("rows").as_array());
}

json::value ConsoleContext::post(const std::string& path, const json::object& body) const {
    HttpRequest req{http::verb::post, path, 11};
    req.body() = json::serialize(body);
    req.prepare_payload();
    return ask(std::move(req));
}

json::value ConsoleContext::ask(HttpRequest req) const {
    const HttpResponse res = api_.serve(req, user_);
    boost::system::error_code ec;
    json::value v = json::parse(res.body(), ec);
    if (ec || !v.is_object()) throw std::runtime_error("the admin endpoint's answer to " + std::string(req.target()) +
                                                     " is not a JSON object: " + ec.message());
    if (res.result_int() >= 300) {
        const auto& o = v.as_object();
        throw ConsoleRefusal(res.result(), AnswerText::text(o.at("error")), AnswerText::text(o.at("error_ja")));
    }
    return v;
}

}  // namespace mamori::collector
