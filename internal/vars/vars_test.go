package vars

import "testing"

// TestTableGetters pins the order in which set, named captures and maps
// take a variable over, as nginx's get handlers replace one another.
func TestTableGetters(t *testing.T) {
	tb := NewTable()
	s := tb.Declare("a") // set $a
	if _, ok := tb.Map(s); ok || tb.Captured(s) {
		t.Fatal("a set variable is neither a map nor a capture")
	}
	if tb.DeclareMap("A", 0) != s {
		t.Fatal("a map of a set variable shares its slot")
	}
	if m, ok := tb.Map(s); !ok || m != 0 || tb.Captured(s) {
		t.Fatal("the map takes the variable over")
	}
	tb.DeclareMap("a", 3)
	if m, _ := tb.Map(s); m != 3 {
		t.Fatal("the later map wins")
	}
	tb.DeclareCapture("a")
	if _, ok := tb.Map(s); ok || !tb.Captured(s) {
		t.Fatal("a later capture takes the variable back")
	}
	tb.Declare("a")
	if !tb.Captured(s) {
		t.Fatal("set does not change the getter")
	}
}

// TestCheckMappedNames checks that a map of a changeable built-in or of a
// family name is what references to that name read.
func TestCheckMappedNames(t *testing.T) {
	tb := NewTable()
	args := tb.DeclareMap("args", 0)
	argX := tb.DeclareMap("arg_x", 1)
	v, err := Compile("$args $arg_x $arg_y $uri")
	if err != nil {
		t.Fatal(err)
	}
	if err := tb.Check([]*Value{v}); err != nil {
		t.Fatal(err)
	}
	want := []Part{
		{Kind: User, Name: "args", N: args},
		{Kind: Lit, Lit: " "},
		{Kind: User, Name: "arg_x", N: argX},
		{Kind: Lit, Lit: " "},
		{Kind: Fam, Fam: FamArg, Name: "y"},
		{Kind: Lit, Lit: " "},
		{Kind: Builtin, ID: URI, Name: "uri"},
	}
	if len(v.Parts) != len(want) {
		t.Fatalf("parts %+v", v.Parts)
	}
	for i := range want {
		if v.Parts[i] != want[i] {
			t.Errorf("part %d = %+v, want %+v", i, v.Parts[i], want[i])
		}
	}
}

// TestCheckAssignedNames: a family member that "set" also declares
// stays a family member and carries 1 + the set variable's slot; a
// named capture of such a name does not.
func TestCheckAssignedNames(t *testing.T) {
	tb := NewTable()
	tb.Declare("pad")
	hd := tb.Declare("http_host_with_default")
	tb.DeclareCapture("cookie_c")
	v, err := Compile("$http_host_with_default $cookie_c $arg_y")
	if err != nil {
		t.Fatal(err)
	}
	if err := tb.Check([]*Value{v}); err != nil {
		t.Fatal(err)
	}
	want := []Part{
		{Kind: Fam, Fam: FamHTTP, Name: "host_with_default", N: hd + 1},
		{Kind: Lit, Lit: " "},
		{Kind: Fam, Fam: FamCookie, Name: "c"},
		{Kind: Lit, Lit: " "},
		{Kind: Fam, Fam: FamArg, Name: "y"},
	}
	for i := range want {
		if i >= len(v.Parts) || v.Parts[i] != want[i] {
			t.Fatalf("parts %+v, want %+v", v.Parts, want)
		}
	}
}
