"""Reports syntax errors in PowerShell scripts, parsed with tree-sitter's PowerShell grammar.

Reads a JSON array of scripts on stdin and writes a JSON array with, per script, its errors as
{"line", "column", "message"} (1-based). A syntax check only: it finds unterminated strings and
blocks, stray quotes and malformed statements, not what a cmdlet would do.
"""

import json
import sys

import tree_sitter
import tree_sitter_powershell

PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def syntax_errors(script):
    tree = PARSER.parse(script.encode("utf-8"))
    errors = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_missing:
            errors.append(error_at(node, f"missing {node.type}"))
        elif node.is_error:
            text = node.text.decode("utf-8", "replace").splitlines()[0][:60] if node.text else ""
            errors.append(error_at(node, f"cannot parse {text!r}"))
        elif node.has_error:
            stack.extend(node.children)
    return sorted(errors, key=lambda error: (error["line"], error["column"]))


def error_at(node, message):
    row, column = node.start_point
    return {"line": row + 1, "column": column + 1, "message": message}


if __name__ == "__main__":
    json.dump([syntax_errors(script) for script in json.load(sys.stdin)], sys.stdout)
