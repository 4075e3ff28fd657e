package parser

// Program is a parsed application: its statements in order.
type Program struct {
	Stmts []Stmt
}

// Stmt is a top-level statement.
type Stmt interface {
	stmtNode()
	Position() Pos
}

// Ident is an identifier. Unquoted identifiers are folded to upper case by
// the lexer; Quoted records that the name was written "like this".
type Ident struct {
	Name   string
	Quoted bool
	Pos    Pos
}

// CreateStream is CREATE [OR REPLACE] STREAM name (columns) [DESCRIPTION 'x'].
type CreateStream struct {
	At        Pos
	OrReplace bool
	Name      Ident
	Columns   []ColumnDef
}

// ColumnDef is one column of CREATE STREAM.
type ColumnDef struct {
	Name    Ident
	Type    TypeName
	NotNull bool
}

// TypeName is a SQL type as written: VARCHAR(4), DECIMAL(5,2), TIMESTAMP,
// INTERVAL DAY TO SECOND.
type TypeName struct {
	Name string // upper case, e.g. "VARCHAR", "DOUBLE", "INTERVAL DAY TO SECOND"
	Args []int
}

// CreatePump is CREATE [OR REPLACE] PUMP name AS INSERT INTO ...
type CreatePump struct {
	At        Pos
	OrReplace bool
	Name      Ident
	Insert    *Insert
}

// Insert is INSERT INTO target [(columns)] query.
type Insert struct {
	At      Pos
	Target  Ident
	Columns []Ident
	Query   *Select
}

// SelectStmt is a top-level SELECT STREAM (an interactive query).
type SelectStmt struct {
	Query *Select
}

// Unsupported is a recognised statement the engine does not run
// (CREATE VIEW, CREATE FUNCTION ...); the planner reports it by Kind.
type Unsupported struct {
	At   Pos
	Kind string
}

func (*CreateStream) stmtNode() {}
func (*CreatePump) stmtNode()   {}
func (*Insert) stmtNode()       {}
func (*SelectStmt) stmtNode()   {}
func (*Unsupported) stmtNode()  {}

// Position returns where the statement starts.
func (s *CreateStream) Position() Pos { return s.At }

// Position returns where the statement starts.
func (s *CreatePump) Position() Pos { return s.At }

// Position returns where the statement starts.
func (s *Insert) Position() Pos { return s.At }

// Position returns where the statement starts.
func (s *SelectStmt) Position() Pos { return s.Query.At }

// Position returns where the statement starts.
func (s *Unsupported) Position() Pos { return s.At }

// Select is a SELECT [STREAM] query.
type Select struct {
	At       Pos
	Stream   bool
	Distinct bool
	Items    []SelectItem
	From     FromItem
	Where    Expr
	GroupBy  []Expr
	Stagger  *Stagger
	Having   Expr
	Windows  []NamedWindow
	OrderBy  []OrderItem
	// UnionAll lists further queries merged with UNION ALL.
	UnionAll []*Select
}

// SelectItem is one entry of the select list: an expression with an
// optional alias, or * / qualifier.*.
type SelectItem struct {
	Star      bool
	Qualifier *Ident // for qualifier.*
	Expr      Expr
	Alias     *Ident
}

// OrderItem is one ORDER BY entry.
type OrderItem struct {
	Expr Expr
	Desc bool
}

// NamedWindow is one entry of the WINDOW clause.
type NamedWindow struct {
	Name Ident
	Spec *WindowSpec
}

// WindowSpec is a window specification: the body of OVER (...) or of a
// WINDOW clause entry.
type WindowSpec struct {
	At          Pos
	Base        *Ident // OVER (w ...) refinement of a named window
	PartitionBy []Expr
	OrderBy     []OrderItem
	Frame       *Frame
}

// FrameKind says whether a frame counts rows or a ROWTIME range.
type FrameKind int

// Frame kinds.
const (
	FrameRows FrameKind = iota + 1
	FrameRange
)

// FrameBound is one end of a frame.
type FrameBound struct {
	Unbounded  bool
	CurrentRow bool
	Offset     Expr // n or INTERVAL literal
	Following  bool
}

// Frame is ROWS|RANGE start or ROWS|RANGE BETWEEN start AND end.
type Frame struct {
	Kind  FrameKind
	Start FrameBound
	End   *FrameBound // nil: CURRENT ROW
}

// Stagger is WINDOWED BY STAGGER (PARTITION BY ... RANGE INTERVAL ...).
type Stagger struct {
	At          Pos
	PartitionBy []Expr
	Range       *IntervalLit
}

// FromItem is a source in the FROM clause.
type FromItem interface {
	fromNode()
}

// TableRef names a stream or table, optionally with a join window
// (s OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS x).
type TableRef struct {
	Name  Ident
	Over  *WindowSpec
	Alias *Ident
}

// SubqueryRef is (SELECT STREAM ...) [AS] alias.
type SubqueryRef struct {
	Query *Select
	Alias *Ident
}

// TableFunctionRef is TABLE(f(args)) [AS] alias.
type TableFunctionRef struct {
	Call  *FuncCall
	Alias *Ident
}

// JoinKind is the kind of a join.
type JoinKind int

// Join kinds.
const (
	InnerJoin JoinKind = iota
	LeftJoin
	RightJoin
	FullJoin
	CrossJoin
)

func (k JoinKind) String() string {
	return [...]string{"JOIN", "LEFT OUTER JOIN", "RIGHT OUTER JOIN", "FULL OUTER JOIN", "CROSS JOIN"}[k]
}

// Join is left JOIN right ON cond (or a comma list, as CrossJoin).
type Join struct {
	At    Pos
	Kind  JoinKind
	Left  FromItem
	Right FromItem
	On    Expr
}

func (*TableRef) fromNode()         {}
func (*SubqueryRef) fromNode()      {}
func (*TableFunctionRef) fromNode() {}
func (*Join) fromNode()             {}

// Expr is an expression.
type Expr interface {
	exprNode()
	Position() Pos
}

// LitKind is the kind of a literal.
type LitKind int

// Literal kinds.
const (
	LitNull LitKind = iota
	LitBool
	LitNumber
	LitString
	LitBinary
	LitTimestamp
	LitDate
	LitTime
)

// Literal is a constant.
type Literal struct {
	At   Pos
	Kind LitKind
	Text string // as written (strings unescaped); "TRUE"/"FALSE" for booleans
}

// IntervalLit is INTERVAL [-]'value' unit [(p)] [TO unit [(p)]].
type IntervalLit struct {
	At       Pos
	Negative bool
	Value    string
	Unit     string // YEAR, MONTH, DAY, HOUR, MINUTE, SECOND
	ToUnit   string // "" unless a range like DAY TO SECOND
}

// ColumnRef is [qualifier.]name; ROWTIME is a ColumnRef too.
type ColumnRef struct {
	Qualifier *Ident
	Name      Ident
}

// Unary is a prefix operator: -, +, NOT.
type Unary struct {
	At Pos
	Op string
	X  Expr
}

// Binary is an infix operator: + - * / || = <> < <= > >= AND OR.
type Binary struct {
	Op   string
	L, R Expr
}

// FuncCall is name(args) with the optional aggregate and analytic parts.
type FuncCall struct {
	At          Pos
	Name        string // upper case (quoted names kept as written)
	Args        []Expr
	Star        bool // COUNT(*)
	Distinct    bool
	IgnoreNulls bool
	FromLast    bool        // NTH_VALUE ... FROM LAST
	Over        *WindowSpec // OVER (...) or OVER name (Base set, nothing else)
}

// Cast is CAST(x AS type).
type Cast struct {
	At   Pos
	X    Expr
	Type TypeName
}

// When is one WHEN ... THEN ... arm.
type When struct {
	Cond, Then Expr
}

// Case is CASE [operand] WHEN ... THEN ... [ELSE ...] END.
type Case struct {
	At      Pos
	Operand Expr
	Whens   []When
	Else    Expr
}

// TimeUnitCall is FLOOR(x TO unit) or CEIL(x TO unit).
type TimeUnitCall struct {
	At   Pos
	Name string // FLOOR or CEIL
	X    Expr
	Unit string
}

// Step is STEP(x BY interval).
type Step struct {
	At       Pos
	X        Expr
	Interval Expr
}

// Extract is EXTRACT(unit FROM x).
type Extract struct {
	At   Pos
	Unit string
	X    Expr
}

// Position is POSITION(sub IN s).
type PositionExpr struct {
	At     Pos
	Sub, S Expr
}

// Substring is SUBSTRING(s FROM start [FOR length]).
type Substring struct {
	At   Pos
	S    Expr
	From Expr
	For  Expr
}

// Trim is TRIM([BOTH|LEADING|TRAILING] [chars] FROM s).
type Trim struct {
	At    Pos
	Where string // BOTH, LEADING, TRAILING
	Chars Expr
	S     Expr
}

// Overlay is OVERLAY(s PLACING r FROM start [FOR length]).
type Overlay struct {
	At      Pos
	S       Expr
	Placing Expr
	From    Expr
	For     Expr
}

// Between is x [NOT] BETWEEN lo AND hi.
type Between struct {
	X, Lo, Hi Expr
	Not       bool
}

// InList is x [NOT] IN (list).
type InList struct {
	X    Expr
	List []Expr
	Not  bool
}

// Like is x [NOT] LIKE|SIMILAR TO pattern [ESCAPE e].
type Like struct {
	X, Pattern Expr
	Escape     Expr
	Not        bool
	Similar    bool
}

// Is is x IS [NOT] NULL|TRUE|FALSE|UNKNOWN.
type Is struct {
	X    Expr
	Not  bool
	What string // NULL, TRUE, FALSE, UNKNOWN
}

// IntervalQualifier is (expr) unit [TO unit]: the SQL-standard way to turn
// a datetime difference into an interval, e.g. (ROWTIME - t0) SECOND.
type IntervalQualifier struct {
	X      *Paren
	Unit   string
	ToUnit string
}

// Cursor is CURSOR(SELECT STREAM ...), a table function argument.
type Cursor struct {
	At    Pos
	Query *Select
}

// Paren is a parenthesised expression, kept so printing round-trips.
type Paren struct {
	At Pos
	X  Expr
}

func (*Literal) exprNode()           {}
func (*IntervalLit) exprNode()       {}
func (*ColumnRef) exprNode()         {}
func (*Unary) exprNode()             {}
func (*Binary) exprNode()            {}
func (*FuncCall) exprNode()          {}
func (*Cast) exprNode()              {}
func (*Case) exprNode()              {}
func (*TimeUnitCall) exprNode()      {}
func (*Step) exprNode()              {}
func (*Extract) exprNode()           {}
func (*PositionExpr) exprNode()      {}
func (*Substring) exprNode()         {}
func (*Trim) exprNode()              {}
func (*Overlay) exprNode()           {}
func (*Between) exprNode()           {}
func (*InList) exprNode()            {}
func (*Like) exprNode()              {}
func (*Is) exprNode()                {}
func (*Cursor) exprNode()            {}
func (*IntervalQualifier) exprNode() {}
func (*Paren) exprNode()             {}

// Position implementations.
func (e *Literal) Position() Pos     { return e.At }
func (e *IntervalLit) Position() Pos { return e.At }
func (e *ColumnRef) Position() Pos {
	if e.Qualifier != nil {
		return e.Qualifier.Pos
	}
	return e.Name.Pos
}
func (e *Unary) Position() Pos             { return e.At }
func (e *Binary) Position() Pos            { return e.L.Position() }
func (e *FuncCall) Position() Pos          { return e.At }
func (e *Cast) Position() Pos              { return e.At }
func (e *Case) Position() Pos              { return e.At }
func (e *TimeUnitCall) Position() Pos      { return e.At }
func (e *Step) Position() Pos              { return e.At }
func (e *Extract) Position() Pos           { return e.At }
func (e *PositionExpr) Position() Pos      { return e.At }
func (e *Substring) Position() Pos         { return e.At }
func (e *Trim) Position() Pos              { return e.At }
func (e *Overlay) Position() Pos           { return e.At }
func (e *Between) Position() Pos           { return e.X.Position() }
func (e *InList) Position() Pos            { return e.X.Position() }
func (e *Like) Position() Pos              { return e.X.Position() }
func (e *Is) Position() Pos                { return e.X.Position() }
func (e *Cursor) Position() Pos            { return e.At }
func (e *IntervalQualifier) Position() Pos { return e.X.At }
func (e *Paren) Position() Pos             { return e.At }
