package sqlite

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
)

// packRTree fills the empty R*Tree incidents_rtree with leaves, a box for
// every row of incidents in rid order, by writing a packed tree (sort-
// tile-recursive) straight into the R*Tree's shadow tables, in the format
// of SQLite's rtree module, instead of inserting a million boxes one by
// one. The boxes must be those the rtree module would store: 32-bit floats
// rounded outward as it rounds them (rtreeDown, rtreeUp). Queries, later
// writes and rtreecheck() see an ordinary R*Tree (TestPackRTree). It sorts
// leaves.
func packRTree(ctx context.Context, tx *sqlx.Tx, leaves []rtreeEntry) error {
	var root []byte
	if err := tx.QueryRowxContext(ctx, `SELECT data FROM incidents_rtree_node WHERE nodeno = 1`).Scan(&root); err != nil {
		return fmt.Errorf("read the R*Tree root: %w", err)
	}
	if len(root) < 4+rtreeCell || binary.BigEndian.Uint16(root[2:]) != 0 {
		return fmt.Errorf("the R*Tree is not empty (root of %d bytes)", len(root))
	}
	nodeSize := len(root)
	perNode := (nodeSize - 4) / rtreeCell
	if len(leaves) == 0 {
		return nil
	}
	minRid, maxRid := leaves[0].id, leaves[len(leaves)-1].id

	// Pack level by level, leaves first, until one node is left: the
	// root, which is node 1. Other nodes are numbered from 2.
	nodes := [][]rtreeEntry{nil, nil} // each node's entries, by number; 0 is unused
	parent := []int64{0, 0}           // by node number
	leaf := []bool{false, false}      // whether a node holds rids
	level := leaves
	depth := 0
	for {
		groups := strTiles(level, perNode)
		if len(groups) == 1 {
			nodes[1], leaf[1] = groups[0], depth == 0
			for _, e := range groups[0] {
				if depth > 0 {
					parent[e.id] = 1
				}
			}
			break
		}
		next := make([]rtreeEntry, len(groups))
		for i, g := range groups {
			no := int64(len(nodes))
			nodes, parent, leaf = append(nodes, g), append(parent, 0), append(leaf, depth == 0)
			if depth > 0 {
				for _, e := range g {
					parent[e.id] = no
				}
			}
			next[i] = rtreeEntry{id: no, box: bounds(g)}
		}
		level = next
		depth++
	}

	blob := make([]byte, nodeSize)
	ins := &multiInsert{tx: tx, stmts: map[string]*sqlx.Stmt{}}
	defer ins.close()
	var args []any
	for no := 1; no < len(nodes); no++ {
		clear(blob)
		if no == 1 {
			binary.BigEndian.PutUint16(blob, uint16(depth))
		}
		binary.BigEndian.PutUint16(blob[2:], uint16(len(nodes[no])))
		for i, e := range nodes[no] {
			c := blob[4+i*rtreeCell:]
			binary.BigEndian.PutUint64(c, uint64(e.id))
			for j, v := range e.box {
				binary.BigEndian.PutUint32(c[8+4*j:], math.Float32bits(v))
			}
		}
		if no == 1 {
			if _, err := tx.ExecContext(ctx, `UPDATE incidents_rtree_node SET data = ? WHERE nodeno = 1`, blob); err != nil {
				return fmt.Errorf("write the R*Tree root: %w", err)
			}
			continue
		}
		args = append(args, int64(no), append([]byte(nil), blob...))
		if err := ins.flush(ctx, `INSERT INTO incidents_rtree_node (nodeno, data) VALUES `, 2, &args, no == len(nodes)-1); err != nil {
			return fmt.Errorf("write the R*Tree nodes: %w", err)
		}
	}
	for no := 2; no < len(nodes); no++ {
		args = append(args, int64(no), parent[no])
		if err := ins.flush(ctx, `INSERT INTO incidents_rtree_parent (nodeno, parentnode) VALUES `, 2, &args, no == len(nodes)-1); err != nil {
			return fmt.Errorf("write the R*Tree parents: %w", err)
		}
	}
	// The leaf of each rid, written in rid order: SQLite numbers the rows
	// of a load into an empty table from minRid up, one after another, so
	// a slice indexed by rid - minRid (4 bytes a row) holds them in order
	// without a sort.
	leafOf := make([]int32, maxRid-minRid+1)
	for no := 1; no < len(nodes); no++ {
		if !leaf[no] {
			continue
		}
		for _, e := range nodes[no] {
			leafOf[e.id-minRid] = int32(no)
		}
	}
	for i, no := range leafOf {
		if no != 0 {
			args = append(args, minRid+int64(i), int64(no))
		}
		if err := ins.flush(ctx, `INSERT INTO incidents_rtree_rowid (rowid, nodeno) VALUES `, 2, &args, i == len(leafOf)-1); err != nil {
			return fmt.Errorf("write the R*Tree rowids: %w", err)
		}
	}
	return nil
}

// rtreeCell is the size of an entry of a node of incidents_rtree: a 64-bit
// id and four 32-bit coordinates.
const rtreeCell = 8 + 4*4

// rtreeEntry is an entry of a node: a rid in a leaf, a node number above.
type rtreeEntry struct {
	id  int64
	box [4]float32 // min_lon, max_lon, min_lat, max_lat
}

// strTiles groups entries into nodes of up to perNode by sort-tile-
// recursive packing: sorted by the centre's longitude into vertical slices
// of whole nodes, each slice sorted by latitude and cut into nodes.
func strTiles(es []rtreeEntry, perNode int) [][]rtreeEntry {
	nNodes := (len(es) + perNode - 1) / perNode
	slices.SortFunc(es, func(a, b rtreeEntry) int { return cmp.Compare(a.box[0]+a.box[1], b.box[0]+b.box[1]) })
	perSlice := int(math.Ceil(math.Sqrt(float64(nNodes)))) * perNode
	var out [][]rtreeEntry
	for s := 0; s < len(es); s += perSlice {
		slice := es[s:min(s+perSlice, len(es))]
		slices.SortFunc(slice, func(a, b rtreeEntry) int { return cmp.Compare(a.box[2]+a.box[3], b.box[2]+b.box[3]) })
		for n := 0; n < len(slice); n += perNode {
			out = append(out, slice[n:min(n+perNode, len(slice))])
		}
	}
	return out
}

// bounds is the box around the entries' boxes.
func bounds(es []rtreeEntry) [4]float32 {
	b := es[0].box
	for _, e := range es[1:] {
		b[0], b[1] = min(b[0], e.box[0]), max(b[1], e.box[1])
		b[2], b[3] = min(b[2], e.box[2]), max(b[3], e.box[3])
	}
	return b
}

// rtreeDown and rtreeUp round a coordinate to the 32-bit float at or
// below it, and at or above it, as SQLite's rtree module does
// (rtreeValueDown, rtreeValueUp: the nearest float, moved one step
// outward when it lies on the wrong side).
func rtreeDown(d float64) float32 {
	f := float32(d)
	if float64(f) > d {
		f = rtreeStep(f, -1)
	}
	return f
}

func rtreeUp(d float64) float32 {
	f := float32(d)
	if float64(f) < d {
		f = rtreeStep(f, +1)
	}
	return f
}

// rtreeStep moves f by one unit in the last place: outward from zero when
// dir has f's sign, inward otherwise, by its bits, as SQLite does.
func rtreeStep(f float32, dir int) float32 {
	bits := math.Float32bits(f)
	negative := bits&0x80000000 != 0
	if negative == (dir < 0) {
		bits++
	} else {
		bits--
	}
	return math.Float32frombits(bits)
}

// multiInsert writes rows with multi-row INSERTs of up to multiRows rows.
type multiInsert struct {
	tx    *sqlx.Tx
	stmts map[string]*sqlx.Stmt
}

// multiRows is how many rows one INSERT of multiInsert writes.
const multiRows = 500

// flush runs head with the rows in *args (cols values each) when they are
// multiRows, or when last, and empties *args.
func (m *multiInsert) flush(ctx context.Context, head string, cols int, args *[]any, last bool) error {
	rows := len(*args) / cols
	if rows == 0 || rows < multiRows && !last {
		return nil
	}
	tuple := "(?" + strings.Repeat(", ?", cols-1) + ")"
	q := head + tuple + strings.Repeat(", "+tuple, rows-1)
	st, ok := m.stmts[q]
	if !ok {
		var err error
		if st, err = m.tx.PreparexContext(ctx, q); err != nil {
			return err
		}
		m.stmts[q] = st
	}
	_, err := st.ExecContext(ctx, *args...)
	*args = (*args)[:0]
	return err
}

func (m *multiInsert) close() {
	for _, st := range m.stmts {
		st.Close()
	}
}
