package seed

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
)

// copyStatementRows bounds the rows of one COPY statement. PostgreSQL queues the foreign-key checks
// of a statement's rows until the statement ends (in the server's memory), so a table of 12
// million rows goes in as a few COPY statements of one transaction rather than one.
const copyStatementRows = 1_000_000

// copier is lib/pq's COPY statement: rows go in as text lines (CopyData) rather than through
// database/sql's per-value conversion, which would cost more than generating the rows.
type copier interface {
	driver.Stmt
	CopyData(ctx context.Context, line string) (driver.Result, error)
}

// row builds one line of COPY's text format.
type row struct{ b []byte }

func (r *row) sep() {
	if len(r.b) > 0 {
		r.b = append(r.b, '\t')
	}
}

// str writes a text value, escaped as COPY's text format needs.
func (r *row) str(s string) *row {
	r.sep()
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			r.b = append(r.b, '\\', '\\')
		case '\n':
			r.b = append(r.b, '\\', 'n')
		case '\r':
			r.b = append(r.b, '\\', 'r')
		case '\t':
			r.b = append(r.b, '\\', 't')
		default:
			r.b = append(r.b, c)
		}
	}
	return r
}

// strp writes a nullable text value.
func (r *row) strp(s *string) *row {
	if s == nil {
		return r.null()
	}
	return r.str(*s)
}

func (r *row) null() *row {
	r.sep()
	r.b = append(r.b, '\\', 'N')
	return r
}

func (r *row) int(n int) *row {
	r.sep()
	r.b = strconv.AppendInt(r.b, int64(n), 10)
	return r
}

func (r *row) intp(n *int) *row {
	if n == nil {
		return r.null()
	}
	return r.int(*n)
}

func (r *row) bool(v bool) *row {
	r.sep()
	if v {
		r.b = append(r.b, 't')
	} else {
		r.b = append(r.b, 'f')
	}
	return r
}

// time writes a timestamptz in UTC (to the microsecond, as PostgreSQL keeps it).
func (r *row) time(t time.Time) *row {
	r.sep()
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	r.b = appendDigits(r.b, y, 4)
	r.b = append(r.b, '-')
	r.b = appendDigits(r.b, int(mo), 2)
	r.b = append(r.b, '-')
	r.b = appendDigits(r.b, d, 2)
	r.b = append(r.b, ' ')
	r.b = appendDigits(r.b, h, 2)
	r.b = append(r.b, ':')
	r.b = appendDigits(r.b, mi, 2)
	r.b = append(r.b, ':')
	r.b = appendDigits(r.b, s, 2)
	if us := t.Nanosecond() / 1000; us != 0 {
		r.b = append(r.b, '.')
		r.b = appendDigits(r.b, us, 6)
	}
	r.b = append(r.b, 'Z')
	return r
}

// appendDigits appends v (0 <= v) in exactly n digits.
func appendDigits(b []byte, v, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		b = append(b, 0)
	}
	for i := len(b) - 1; i >= len(b)-n; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

func (r *row) timep(t *time.Time) *row {
	if t == nil {
		return r.null()
	}
	return r.time(*t)
}

// bytea writes binary data in the hex format (the backslash doubled for COPY's text format).
func (r *row) bytea(p []byte) *row {
	if p == nil {
		return r.null()
	}
	r.sep()
	r.b = append(r.b, '\\', '\\', 'x')
	r.b = hex.AppendEncode(r.b, p)
	return r
}

// table is a table to load: its columns, and a generator that writes its rows in order.
type table struct {
	name string
	cols []string
	gen  func(ctx context.Context, w *rowWriter) error
}

// job is a generator that writes one or more tables at once, each on its own connection (the
// foreign keys are off while loading, so a row may go in before the row it refers to).
type job struct {
	tables []table
	gen    func(ctx context.Context, w []*rowWriter) error
}

func (t table) job() job {
	return job{tables: []table{t}, gen: func(ctx context.Context, w []*rowWriter) error { return t.gen(ctx, w[0]) }}
}

// rowWriter streams a generator's rows into COPY statements.
type rowWriter struct {
	conn  driver.Conn
	query string
	stmt  copier
	r     row
	rows  int64
	inStm int
}

// add starts a row; end sends it.
func (w *rowWriter) add() *row {
	w.r.b = w.r.b[:0]
	return &w.r
}

func (w *rowWriter) end(ctx context.Context) error {
	if w.stmt == nil {
		if err := w.open(ctx); err != nil {
			return err
		}
	}
	if _, err := w.stmt.CopyData(ctx, string(w.r.b)); err != nil {
		return err
	}
	w.rows++
	if w.inStm++; w.inStm >= copyStatementRows {
		return w.closeStmt()
	}
	return nil
}

func (w *rowWriter) open(ctx context.Context) error {
	st, err := w.conn.(driver.ConnPrepareContext).PrepareContext(ctx, w.query)
	if err != nil {
		return err
	}
	c, ok := st.(copier)
	if !ok {
		st.Close()
		return errors.New("the PostgreSQL driver has no CopyData")
	}
	w.stmt, w.inStm = c, 0
	return nil
}

// closeStmt ends the COPY statement: Exec(nil) flushes it and returns the server's verdict.
func (w *rowWriter) closeStmt() error {
	if w.stmt == nil {
		return nil
	}
	st := w.stmt
	w.stmt = nil
	_, err := st.Exec(nil) // lib/pq's copyin has no ExecContext

	if cerr := st.Close(); err == nil {
		err = cerr
	}
	return err
}

// copyQuery is the COPY statement of a table (lib/pq: "copy tbl (col1, col2) from stdin", which
// pq.CopyIn used to build and which it now asks callers to write). FREEZE writes the rows frozen,
// hint bits and visibility map set, so that no VACUUM has to visit them again; it needs the table
// truncated in the same transaction.
func copyQuery(t table) string {
	cols := make([]string, len(t.cols))
	for i, c := range t.cols {
		cols[i] = pq.QuoteIdentifier(c)
	}
	return fmt.Sprintf("COPY %s (%s) FROM STDIN WITH (FREEZE)", pq.QuoteIdentifier(t.name), strings.Join(cols, ", "))
}

// copyJob loads a job's tables, each in one transaction of its own connection: synchronous_commit
// off (a crash loses the load, which is then redone on a new database anyway), the table truncated
// (it is empty: this lets COPY freeze its rows), rows streamed from the generator, a COPY
// statement per copyStatementRows rows. It returns the rows of each table.
func copyJob(ctx context.Context, db *sql.DB, j job) ([]int64, error) {
	conns := make([]*sql.Conn, len(j.tables))
	for i := range conns {
		c, err := db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		conns[i] = c
	}
	ws := make([]*rowWriter, len(j.tables))
	var open func(i int) error
	open = func(i int) error {
		if i == len(conns) {
			err := j.gen(ctx, ws)
			for _, w := range ws {
				if cerr := w.closeStmt(); err == nil {
					err = cerr
				}
			}
			return err
		}
		t := j.tables[i]
		return conns[i].Raw(func(dc any) error {
			ex, ok := dc.(driver.ExecerContext)
			if !ok {
				return errors.New("the PostgreSQL driver cannot execute statements")
			}
			tx, err := dc.(driver.ConnBeginTx).BeginTx(ctx, driver.TxOptions{})
			if err != nil {
				return err
			}
			ws[i] = &rowWriter{conn: dc.(driver.Conn), query: copyQuery(t), r: row{b: make([]byte, 0, 1024)}}
			if _, err = ex.ExecContext(ctx, "SET LOCAL synchronous_commit = off", nil); err == nil {
				if _, err = ex.ExecContext(ctx, "TRUNCATE "+pq.QuoteIdentifier(t.name), nil); err == nil {
					err = open(i + 1)
				}
			}
			if err != nil {
				return errors.Join(fmt.Errorf("copy %s: %w", t.name, err), tx.Rollback())
			}
			return tx.Commit()
		})
	}
	if err := open(0); err != nil {
		return nil, err
	}
	rows := make([]int64, len(ws))
	for i, w := range ws {
		rows[i] = w.rows
	}
	return rows, nil
}
