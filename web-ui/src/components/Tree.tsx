/*
 * Tree.tsx - a keyboard-navigable tree (the WAI-ARIA treeview pattern), used for the
 * business units.
 *
 * The tree is one Tab stop (roving tabindex).  Inside it:
 *   Up / Down        previous / next visible item
 *   Home / End       first / last visible item
 *   Right            expand; on an expanded item, go to its first child
 *   Left             collapse; on a collapsed or leaf item, go to its parent
 *   Enter / Space    select the item
 * A mouse click selects; a click on the triangle expands or collapses.
 * Each item carries the attribute named by nodeAttr (e.g. data-bu-id) for tests.
 *
 * The visible items are rendered as one flat list with aria-level, aria-setsize and
 * aria-posinset (the pattern allows it), so an item's box is its own row only: a click in
 * the middle of a parent never lands on one of its children.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

export interface TreeNode {
	id: string;
	label: string;
	children: TreeNode[];
	badge?: string;
	kind?: string;
}

interface Flat {
	node: TreeNode;
	level: number;
	parent: string | null;
	pos: number;
	size: number;
}

function flatten(nodes: TreeNode[], expanded: ReadonlySet<string>, level = 1,
    parent: string | null = null, out: Flat[] = []): Flat[] {
	nodes.forEach((n, i) => {
		out.push({ node: n, level, parent, pos: i + 1, size: nodes.length });
		if (n.children.length && expanded.has(n.id))
			flatten(n.children, expanded, level + 1, n.id, out);
	});
	return out;
}

export function Tree(p: {
	label: string;
	nodes: TreeNode[];
	selected: string | null;
	expanded: ReadonlySet<string>;
	onSelect: (id: string) => void;
	onToggle: (id: string, open: boolean) => void;
	nodeAttr: string;
	idPrefix: string;
}) {
	const [focused, setFocused] = useState<string | null>(null);
	const root = useRef<HTMLUListElement>(null);
	const moved = useRef(false);
	const flat = flatten(p.nodes, p.expanded);
	const visible = new Set(flat.map((f) => f.node.id));
	const current = focused && visible.has(focused) ? focused
	    : p.selected && visible.has(p.selected) ? p.selected
	    : flat[0]?.node.id ?? null;

	useEffect(() => {
		if (!moved.current || !current)
			return;
		moved.current = false;
		const el = root.current?.querySelector<HTMLElement>(`[data-tree-id="${CSS.escape(current)}"]`);
		el?.focus();
	}, [current]);

	function move(id: string | null | undefined) {
		if (!id)
			return;
		moved.current = true;
		setFocused(id);
	}

	function onKeyDown(e: KeyboardEvent) {
		const i = flat.findIndex((f) => f.node.id === current);
		if (i < 0)
			return;
		const f = flat[i];
		const open = p.expanded.has(f.node.id);
		let handled = true;
		switch (e.key) {
		case 'ArrowDown':
			move(flat[i + 1]?.node.id);
			break;
		case 'ArrowUp':
			move(flat[i - 1]?.node.id);
			break;
		case 'Home':
			move(flat[0]?.node.id);
			break;
		case 'End':
			move(flat[flat.length - 1]?.node.id);
			break;
		case 'ArrowRight':
			if (f.node.children.length && !open)
				p.onToggle(f.node.id, true);
			else if (open)
				move(f.node.children[0]?.id);
			break;
		case 'ArrowLeft':
			if (f.node.children.length && open)
				p.onToggle(f.node.id, false);
			else
				move(f.parent);
			break;
		case 'Enter':
		case ' ':
			p.onSelect(f.node.id);
			break;
		default:
			handled = false;
		}
		if (handled) {
			e.preventDefault();
			e.stopPropagation();
		}
	}

	return (
		<ul class="tree" role="tree" aria-label={p.label} ref={root} onKeyDown={onKeyDown}>
			{flat.map(({ node: n, level, pos, size }) => {
				const hasKids = n.children.length > 0;
				const open = hasKids && p.expanded.has(n.id);
				const sel = n.id === p.selected;
				const attrs = { [p.nodeAttr]: n.id };
				return (
					<li
						key={n.id}
						role="treeitem"
						id={p.idPrefix + n.id}
						data-tree-id={n.id}
						data-kind={n.kind}
						{...attrs}
						aria-level={level}
						aria-setsize={size}
						aria-posinset={pos}
						aria-selected={sel}
						aria-expanded={hasKids ? open : undefined}
						tabIndex={n.id === current ? 0 : -1}
						class={sel ? 'tree-item selected' : 'tree-item'}
						onClick={() => {
							setFocused(n.id);
							p.onSelect(n.id);
						}}
						onFocus={() => setFocused(n.id)}
					>
						<span class="tree-row" style={{ paddingLeft: `${0.4 + (level - 1) * 1.1}rem` }}>
							<span
								class={hasKids ? (open ? 'twisty open' : 'twisty') : 'twisty leaf'}
								data-toggle={hasKids ? n.id : undefined}
								aria-hidden="true"
								onClick={(e) => {
									if (!hasKids)
										return;
									e.stopPropagation();
									setFocused(n.id);
									p.onToggle(n.id, !open);
								}}
							/>
							<span class="tree-label">{n.label}</span>
							{n.badge && <span class="badge">{n.badge}</span>}
						</span>
					</li>
				);
			})}
		</ul>
	);
}
