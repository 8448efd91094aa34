// Parser for the Python dict literal in .npy headers (what repr() writes).
#include "runtime/data/PyLiteral.h"

#include "runtime/Error.h"

#include <cstring>
#include <limits>

namespace kiln::io {

const char *kindName(PyValue::Kind kind) {
  switch (kind) {
  case PyValue::Str:
    return "a string";
  case PyValue::Bool:
    return "a bool";
  case PyValue::None:
    return "None";
  case PyValue::Int:
    return "an int";
  case PyValue::Tuple:
    return "a tuple";
  case PyValue::List:
    return "a list";
  }
  return "?";
}

namespace {

// Recursive descent over the header text; pos_ is the next unread byte.
class HeaderParser {
public:
  HeaderParser(const std::string &path, const std::string &text,
               uint64_t fileOffset)
      : path_(path), text_(text), base_(fileOffset) {}

  std::map<std::string, PyValue> parseDict() {
    std::map<std::string, PyValue> dict;
    expect('{');
    while (true) {
      skipSpace();
      if (peek() == '}')
        break;
      uint64_t keyOffset = base_ + pos_;
      PyValue key = parseValue();
      if (key.kind != PyValue::Str)
        fail("dictionary key must be a string, got " +
                 std::string(kindName(key.kind)),
             keyOffset);
      expect(':');
      PyValue value = parseValue();
      if (!dict.emplace(key.str, std::move(value)).second)
        fail("duplicate key '" + key.str + "'", keyOffset);
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}')
        fail("expected ',' or '}' in the header dict");
    }
    ++pos_;
    skipSpace();
    if (pos_ != text_.size())
      fail("unexpected text after the header dict");
    return dict;
  }

  [[noreturn]] void fail(const std::string &what) { fail(what, base_ + pos_); }
  [[noreturn]] void fail(const std::string &what, uint64_t offset) {
    throwError(path_, ": bad .npy header at byte offset ", offset, ": ", what,
               " (header: ", printable(), ")");
  }

private:
  std::string printable() const {
    std::string s = text_;
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n'))
      s.pop_back();
    for (char &c : s)
      if (static_cast<unsigned char>(c) < 0x20 ||
          static_cast<unsigned char>(c) >= 0x7F)
        c = '?';
    return s.size() > 200 ? s.substr(0, 200) + "..." : s;
  }

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  void skipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r'))
      ++pos_;
  }

  void expect(char c) {
    skipSpace();
    if (peek() != c)
      fail(std::string("expected '") + c + "'" +
           (pos_ < text_.size() ? std::string(", got '") + peek() + "'"
                                : std::string(", got the end of the header")));
    ++pos_;
  }

  PyValue parseValue() {
    skipSpace();
    char c = peek();
    if (c == '\'' || c == '"')
      return parseString(c);
    if (c == '(')
      return parseSequence(')', PyValue::Tuple);
    if (c == '[')
      return parseSequence(']', PyValue::List);
    if (c >= '0' && c <= '9')
      return parseInt();
    if (c == '-')
      fail("negative numbers are not valid here");
    for (const char *word : {"True", "False", "None"}) {
      size_t n = std::strlen(word);
      if (text_.compare(pos_, n, word) == 0) {
        pos_ += n;
        PyValue v;
        v.kind = word[0] == 'N' ? PyValue::None : PyValue::Bool;
        v.boolean = word[0] == 'T';
        return v;
      }
    }
    fail(pos_ < text_.size() ? std::string("unexpected character '") + c + "'"
                             : std::string("unexpected end of the header"));
  }

  PyValue parseString(char quote) {
    uint64_t start = base_ + pos_;
    ++pos_;
    PyValue v;
    v.kind = PyValue::Str;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size())
        ++pos_;
      v.str += text_[pos_++];
    }
    if (pos_ >= text_.size())
      fail("unterminated string", start);
    ++pos_;
    return v;
  }

  PyValue parseInt() {
    uint64_t start = base_ + pos_;
    PyValue v;
    v.kind = PyValue::Int;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      int digit = text_[pos_++] - '0';
      if (v.integer > (std::numeric_limits<int64_t>::max() - digit) / 10)
        fail("integer too large", start);
      v.integer = v.integer * 10 + digit;
    }
    if (peek() == 'L' || peek() == 'l')
      ++pos_;
    return v;
  }

  // "(3, 4)", "(3,)", "()"; "(3)" is the int 3, as in Python.
  PyValue parseSequence(char close, PyValue::Kind kind) {
    ++pos_;
    PyValue seq;
    seq.kind = kind;
    bool sawComma = false;
    while (true) {
      skipSpace();
      if (peek() == close)
        break;
      seq.items.push_back(parseValue());
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        sawComma = true;
        continue;
      }
      if (peek() != close)
        fail(std::string("expected ',' or '") + close + "'");
    }
    ++pos_;
    if (kind == PyValue::Tuple && seq.items.size() == 1 && !sawComma)
      return seq.items[0];
    return seq;
  }

  const std::string &path_;
  const std::string &text_;
  uint64_t base_;
  size_t pos_ = 0;
};

} // namespace

std::map<std::string, PyValue> parsePyDict(const std::string &text,
                                           const std::string &path,
                                           uint64_t fileOffset) {
  return HeaderParser(path, text, fileOffset).parseDict();
}

} // namespace kiln::io
