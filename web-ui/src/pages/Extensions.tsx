/*
 * Extensions.tsx - the live view: one tile per extension, its state in words and colour.
 *
 * The first picture is GET /live/extensions; the WebSocket (live.ts) then sends a
 * live.snapshot on each connect, which replaces the tiles, and one message per change,
 * applied as it arrives.  Should a (re)connect bring no snapshot within 2 s, the list is
 * fetched again, since changes sent while the socket was down are lost.  A change for a
 * device not on the grid adds a tile only when it says it is an extension.
 *
 * Test hooks: each tile has data-device="<number>" and data-state="<state>".
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, itemsOf } from '../api';
import { Light, lightOf, Empty, Loading, PageHeader } from '../components/Widgets';
import { str, type Json } from '../util';
import { deviceFromObject, effectiveState, liveMessage, LiveSocket, stateClass, stateLabel,
	type DeviceUpdate, type SocketState } from '../live';

interface Tile {
	number: string;
	name: string;
	state: string;
	dnd: boolean;
	agent?: string;
	other?: string;
}

type Tiles = Map<string, Tile>;

function isExtensionKind(kind: string | undefined): boolean {
	return !kind || /extension|station|phantom/.test(kind);
}

function applyUpdate(tiles: Tiles, u: DeviceUpdate, fromSnapshot: boolean): Tiles {
	const cur = tiles.get(u.number);
	if (u.removed) {
		if (!cur)
			return tiles;
		const next = new Map(tiles);
		next.delete(u.number);
		return next;
	}
	if (!cur && !fromSnapshot && !(u.kind && isExtensionKind(u.kind)))
		return tiles;
	const next = new Map(tiles);
	next.set(u.number, {
		number: u.number,
		name: u.name ?? cur?.name ?? '',
		state: u.state ?? cur?.state ?? 'unknown',
		dnd: u.dnd ?? cur?.dnd ?? false,
		agent: u.agent ?? (fromSnapshot ? undefined : cur?.agent),
		other: u.other ?? (u.state && u.state !== cur?.state ? undefined : cur?.other),
	});
	return next;
}

function fromItems(items: unknown[]): Tiles {
	let t: Tiles = new Map();
	for (const item of items) {
		const u = deviceFromObject(item);
		if (u && (!u.kind || isExtensionKind(u.kind)))
			t = applyUpdate(t, u, true);
	}
	return t;
}

function byNumber(a: Tile, b: Tile): number {
	return a.number.length - b.number.length || a.number.localeCompare(b.number);
}

export function ExtensionsPage() {
	const [tiles, setTiles] = useState<Tiles | null>(null);
	const [socket, setSocket] = useState<{ state: SocketState; retry?: number }>({ state: 'connecting' });
	const [link, setLink] = useState<string | null>(null);
	const [filter, setFilter] = useState('');
	const alive = useRef(true);
	// Changes that arrive while the list is being fetched are applied on top of it once it
	// arrives: replayed in order they end at each device's latest state.
	const pending = useRef<DeviceUpdate[] | null>(null);
	const fetchSeq = useRef(0);
	const snapTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

	async function fetchList() {
		const me = ++fetchSeq.current;
		pending.current ??= [];
		try {
			const items = itemsOf<unknown>(await api.get('/live/extensions'));
			if (!alive.current || me !== fetchSeq.current)
				return;
			let t = fromItems(items);
			for (const u of pending.current ?? [])
				t = applyUpdate(t, u, false);
			setTiles(t);
		} catch {
			if (alive.current && me === fetchSeq.current)
				setTiles((t) => t ?? new Map());
		} finally {
			if (me === fetchSeq.current)
				pending.current = null;
		}
	}

	useEffect(() => {
		alive.current = true;
		void fetchList();
		// The PBX link as it is now; link.state messages follow its changes.
		api.get<Json>('/live/link', undefined, { quiet: true }).then((l) => {
			if (alive.current && str(l, 'state'))
				setLink((cur) => cur ?? str(l, 'state'));
		}, () => undefined);
		const ws = new LiveSocket(
			(data) => {
				const m = liveMessage(data);
				if (!m)
					return;
				if (m.kind === 'snapshot') {
					clearTimeout(snapTimer.current);
					fetchSeq.current++; // a fetch still out is older than this
					pending.current = null;
					setTiles(fromItems(m.items));
				} else if (m.kind === 'link') {
					setLink(m.state);
				} else {
					pending.current?.push(m.update);
					setTiles((t) => applyUpdate(t ?? new Map(), m.update, false));
				}
			},
			(state, retry) => {
				setSocket({ state, retry });
				clearTimeout(snapTimer.current);
				if (state === 'open')
					snapTimer.current = setTimeout(() => { void fetchList(); }, 2000);
			},
		);
		ws.start();
		return () => {
			alive.current = false;
			clearTimeout(snapTimer.current);
			ws.stop();
		};
	}, []);

	const f = filter.trim().toLowerCase();
	const list = tiles ? [...tiles.values()].sort(byNumber)
		.filter((t) => !f || t.number.includes(f) || t.name.toLowerCase().includes(f)) : [];

	const counts = new Map<string, number>();
	for (const t of tiles?.values() ?? []) {
		const s = stateLabel(effectiveState(t.state, t.dnd));
		counts.set(s, (counts.get(s) ?? 0) + 1);
	}

	const wsText = socket.state === 'open' ? 'Live'
	    : socket.state === 'connecting' ? 'Connecting…'
	    : `Disconnected, retrying in ${Math.round((socket.retry ?? 0) / 1000)} s`;

	return (
		<section aria-labelledby="page-title">
			<PageHeader title="Extensions">
				{link && (
					<span id="live-link" data-state={link}>PBX link: <Light colour={lightOf(link)} state={link} /></span>
				)}
				<span id="live-status" class={'live-status ws-' + socket.state} data-ws={socket.state} role="status">
					<span class="dot" aria-hidden="true" />{wsText}
				</span>
			</PageHeader>
			<div class="toolbar">
				<div class="field inline">
					<label for="ext-filter">Filter</label>
					<input id="ext-filter" type="search" value={filter} placeholder="Number or name"
						onInput={(e) => setFilter(e.currentTarget.value)} />
				</div>
				<p class="muted legend" id="ext-counts">
					{[...counts.entries()].map(([k, v]) => `${k}: ${v}`).join(' · ')}
				</p>
			</div>
			{tiles === null ? <Loading what="extensions" /> : list.length === 0 ? <Empty>No extensions.</Empty> : (
				<ul class="tiles" id="ext-tiles" aria-label="Extensions">
					{list.map((t) => {
						const st = effectiveState(t.state, t.dnd);
						return (
							<li key={t.number} class={'tile state-' + stateClass(st)} data-device={t.number}
								data-state={st} data-dnd={t.dnd ? 'true' : 'false'}>
								<span class="tile-number">{t.number}</span>
								<span class="tile-name">{t.name || '\u00a0'}</span>
								<span class="tile-state"><span class="dot" aria-hidden="true" />{stateLabel(st)}</span>
								{t.other && st !== 'idle' && <span class="tile-other">{t.other}</span>}
								{t.dnd && st !== 'dnd' && <span class="tile-flag">DND</span>}
								{t.agent && <span class="tile-agent">Agent {t.agent}</span>}
							</li>
						);
					})}
				</ul>
			)}
		</section>
	);
}
