// Go: net/http's Status* constants, read from the standard library's own source (Go cannot list
// a package's constants at run time), each checked against http.StatusText.
package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

type constant struct {
	Code         int     `json:"code"`
	Symbol       string  `json:"symbol"`
	ReasonPhrase *string `json:"reasonPhrase"`
}

func main() {
	file := filepath.Join(runtime.GOROOT(), "src", "net", "http", "status.go")
	parsed, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		fail(err)
	}
	constants := []constant{}
	for _, decl := range parsed.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			value := spec.(*ast.ValueSpec)
			for i, name := range value.Names {
				lit, ok := value.Values[i].(*ast.BasicLit)
				if !ok || !strings.HasPrefix(name.Name, "Status") {
					continue
				}
				code, err := strconv.Atoi(lit.Value)
				if err != nil {
					fail(err)
				}
				var phrase *string
				if text := http.StatusText(code); text != "" {
					phrase = &text
				}
				constants = append(constants, constant{code, "http." + name.Name, phrase})
			}
		}
	}
	out, _ := json.Marshal(map[string]any{"version": runtime.Version(), "constants": constants})
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
