#pragma once
#include <string>
#include <vector>

namespace mamori::collector {

// A report as rows of text cells, printed as an aligned table (Japanese text counts two columns
// wide, as a terminal shows it) or as CSV in UTF-8 with a BOM, which Excel opens correctly.
class ReportTable {
public:
    explicit ReportTable(std::vector<std::string> headers) : headers_(std::move(headers)) {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    bool empty() const { return rows_.empty(); }
    const std::vector<std::string>& headers() const { return headers_; }
    const std::vector<std::vector<std::string>>& rows() const { return rows_; }

    std::string table() const;
    std::string csv() const;

    static size_t displayWidth(const std::string& utf8);

private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace mamori::collector
