// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.meeting;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.peercollab.ChangeType;
import io.peercollab.CollaborationSession;
import io.peercollab.Invitation;
import io.peercollab.InvitationResponse;
import io.peercollab.Peer;
import io.peercollab.PeerUnreachableException;
import io.peercollab.SessionMemberChange;
import io.peercollab.SessionMessage;
import io.peercollab.identity.PeerName;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import static io.peercollab.examples.meeting.MeetingSpace.JSON;

/**
 * One meeting, as this endpoint sees it: the participants, the board and chat (one log in one order for everyone), and
 * the handouts. Everything here runs on the Meeting Space's state thread.
 *
 * <p><b>How it travels.</b> A meeting is a PeerCollab session, hosted by whoever invited: every member's messages go
 * to the host, which relays them to the others. The board and the chat need one order for everyone, the sender
 * included, so the host is the sequencer: a member <em>proposes</em> a stroke or a chat line, and only the host's
 * <em>commit</em> (with its sequence number and the author's colour) puts it on the board, on every screen, the
 * host's and the author's alike. A member that joins late asks for nothing: the host sends it the log so far, addressed
 * to it, as soon as it accepted.
 *
 * <p>Messages are JSON, except a handout's chunks: one byte {@code 1}, the handout's 16-byte id, then up to
 * {@value #CHUNK} bytes of the file. A handout is offered, chunked through {@link CollaborationSession#send(
 * org.reactivestreams.Publisher)} (which takes chunks only as fast as the slowest member takes them), and ended with
 * its SHA-256, which every receiver checks; its sender or any receiver can cancel it.
 *
 * <p><b>When someone goes.</b> A member that leaves says goodbye first; when a member's connection drops (its process
 * died), the host's session tells it at once ({@link CollaborationSession#memberChanges()}: the member was lost, not
 * closed), and the host tells everyone which of the two it was. The host
 * relays everything, so when the host leaves the session, and the meeting, end for every member; a member tells a
 * goodbye (the session completes) from a crash (it fails with {@link PeerUnreachableException}).
 */
final class Meeting {

	/** The largest piece of a handout in one session message (a message is at most 64 KiB). */
	static final int CHUNK = 60 * 1024;
	/** The largest handout a receiver accepts. */
	static final long MAX_HANDOUT = 1L << 30;
	/** The most handouts a receiver keeps. */
	static final int MAX_HANDOUTS = 64;
	/** The most strokes and chat lines a meeting holds. */
	static final int MAX_LOG = 50_000;
	/** The most points of one stroke. */
	static final int MAX_POINTS = 2_000;
	/** The longest chat line, in characters. */
	static final int MAX_CHAT = 2_000;
	/** The colours of participants, in the order they join. */
	static final List<String> COLOURS = List.of("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
			"#e377c2", "#8c564b");
	static final String HOST_LEAVES = "The host relays every message of a PeerCollab session: when the host leaves, "
			+ "the meeting ends for everyone; when the host's process dies, members see the connection lost.";

	/** A receiver acknowledges a handout each time it has this many more bytes, and at the end. */
	static final int ACK_EVERY = 512 * 1024;
	private static final byte CHUNK_KIND = 1;
	private static final int MAX_SYNC_BYTES = 48 * 1024;

	private final MeetingSpace space;
	private final boolean host;
	private final PeerName hostName;
	private final String hostNickname;
	private final PeerName me;
	private CollaborationSession session;
	private Disposable receiving;
	private Disposable watching;
	private String status = "open";
	private String ended;
	private boolean leaving;
	private long nextSeq = 1;
	private final TreeMap<Long, ObjectNode> log = new TreeMap<>();
	private final Map<PeerName, Participant> participants = new LinkedHashMap<>();
	private final Map<UUID, Handout> handouts = new LinkedHashMap<>();

	/** Someone in the meeting, or invited to it. */
	static final class Participant {
		final PeerName name;
		String nickname;
		String colour;
		/** invited, joined, declined, no answer, left, lost, host. */
		String status;
		Peer peer;

		Participant(PeerName name, String nickname, String colour, String status) {
			this.name = name;
			this.nickname = nickname;
			this.colour = colour;
			this.status = status;
		}
	}

	/** A handout, sent from here or received here. */
	final class Handout {
		final UUID id;
		final String name;
		final long size;
		final PeerName from;
		final String fromNickname;
		final boolean outgoing;
		/** Received: the bytes written here. */
		final AtomicLong transferred = new AtomicLong();
		/** Sent: the bytes handed to the session, which runs ahead of the receivers by up to its window. */
		final AtomicLong handed = new AtomicLong();
		/**
		 * Sent: how many bytes each receiver said it has (its acknowledgements, every {@value #ACK_EVERY} bytes and
		 * at the end), for those in the meeting when it was offered; one that cancels or fails no longer counts.
		 */
		final Map<PeerName, Long> acked = new LinkedHashMap<>();
		final Map<String, String> receivers = new LinkedHashMap<>();
		String state;
		String sha256 = "";
		Path file;
		OutputStream out;
		MessageDigest digest;
		final Sinks.Empty<Void> cancel = Sinks.empty();
		long shownAt;
		boolean trailing;

		Handout(UUID id, String name, long size, PeerName from, String fromNickname, boolean outgoing) {
			this.id = id;
			this.name = name;
			this.size = size;
			this.from = from;
			this.fromNickname = fromNickname;
			this.outgoing = outgoing;
			this.state = outgoing ? "sending" : "receiving";
		}

		/**
		 * @return received: the bytes written here; sent: the bytes every receiver still in the meeting said it has
		 * (what the sender's progress bar shows), not what the session took
		 */
		long progress() {
			if (!outgoing) {
				return transferred.get();
			}
			return acked.entrySet().stream().filter(e -> inMeeting(e.getKey())).mapToLong(Map.Entry::getValue).min()
					.orElse(0);
		}

		ObjectNode json() {
			ObjectNode o = JSON.createObjectNode().put("id", id.toString()).put("name", name).put("size", size)
					.put("from", fromNickname).put("outgoing", outgoing).put("transferred", progress())
					.put("state", state).put("sha256", sha256);
			if (outgoing) {
				o.put("handed", handed.get());
			}
			ObjectNode r = o.putObject("receivers");
			receivers.forEach(r::put);
			return o;
		}

		/** Shows the handout on the pages: at once, or at most every 50 ms with the latest shown at the end. */
		void show(boolean now) {
			long t = System.nanoTime();
			if (now || t - shownAt > 50_000_000L) {
				shownAt = t;
				space.toPages(JSON.createObjectNode().put("t", "handout").set("handout", json()));
			}
			else if (!trailing) {
				trailing = true;
				space.state().schedule(() -> {
					trailing = false;
					show(true);
				}, 60, TimeUnit.MILLISECONDS);
			}
		}
	}

	private Meeting(MeetingSpace space, boolean host, PeerName hostName, String hostNickname) {
		this.space = space;
		this.host = host;
		this.hostName = hostName;
		this.hostNickname = hostNickname;
		this.me = space.endpoint().name();
		if (host) {
			participants.put(me, new Participant(me, space.endpoint().nickname(), COLOURS.get(0), "host"));
		}
	}

	/** A meeting this endpoint hosts, with nobody in it yet. */
	static Meeting hosted(MeetingSpace space) {
		return new Meeting(space, true, space.endpoint().name(), space.endpoint().nickname());
	}

	/** Accepts an invitation; the meeting it returns shows "joining" until the host's session is connected. */
	static Meeting joining(MeetingSpace space, Invitation invitation) {
		Meeting m = new Meeting(space, false, invitation.sender(), invitation.senderNickname());
		m.status = "joining";
		invitation.accept().publishOn(space.state()).subscribe(m::attach, e -> m.end("could not join: "
				+ MeetingSpace.describe(e)));
		return m;
	}

	boolean isOpen() {
		return ended == null;
	}

	boolean isHost() {
		return host;
	}

	// ----- commands from the page --------------------------------------------------------------------------------------

	/** Invites a person (host only); an accepted invitation joins the host's session. */
	void invite(Peer peer) {
		if (!host) {
			throw new IllegalStateException("only the host invites: " + hostNickname + " hosts this meeting");
		}
		if (!isOpen()) {
			throw new IllegalStateException("this meeting has ended: start a new one");
		}
		Participant p = participants.computeIfAbsent(peer.name(), n -> new Participant(n, peer.nickname(),
				COLOURS.get(participants.size() % COLOURS.size()), "invited"));
		p.status = "invited";
		p.peer = peer;
		rosterChanged();
		peer.invite(MeetingSpace.MEETING, "join " + space.endpoint().nickname() + "'s meeting", null)
				.publishOn(space.state())
				.subscribe(r -> answered(p, r), e -> {
					p.status = "could not be invited";
					space.notice("inviting " + p.nickname + " failed: " + MeetingSpace.describe(e));
					rosterChanged();
				});
	}

	private void answered(Participant p, InvitationResponse response) {
		switch (response.status()) {
			case ACCEPTED -> {
				if (!isOpen()) {
					response.session().ifPresent(CollaborationSession::dispose);
					return;
				}
				attach(response.session().orElseThrow());
				p.status = "joined";
				sync(p.name);
			}
			case DECLINED -> {
				p.status = "declined";
				space.notice(p.nickname + " declined" + (response.message().isEmpty() ? "" : ": "
						+ response.message()));
			}
			case EXPIRED -> p.status = "no answer";
		}
		rosterChanged();
	}

	/** Draws a stroke or shape: the host commits it; a member proposes it to the host. */
	void draw(JsonNode stroke) {
		propose("stroke", stroke);
	}

	void chat(String text) {
		if (text.isBlank()) {
			return;
		}
		propose("chat", JSON.createObjectNode().put("text", text.length() > MAX_CHAT ? text.substring(0, MAX_CHAT)
				: text));
	}

	private void propose(String kind, JsonNode body) {
		if (!isOpen()) {
			throw new IllegalStateException("the meeting has ended");
		}
		String refused = refusal(kind, body);
		if (refused != null) {
			throw new IllegalArgumentException(refused);
		}
		if (host) {
			commit(me, kind, body);
		}
		else if (session != null) {
			send(JSON.createObjectNode().put("t", "propose").put("kind", kind).set("body", body));
		}
		else {
			throw new IllegalStateException("not connected to the meeting yet");
		}
	}

	/** Leaves: a member says goodbye and closes its part; the host ends the meeting for everyone. */
	void leave() {
		if (!isOpen()) {
			return;
		}
		leaving = true;
		handouts.values().forEach(h -> h.cancel.tryEmitEmpty());
		if (session != null) {
			CollaborationSession s = session;
			if (host) {
				s.dispose();
			}
			else {
				// the goodbye first: the host tells the others this member left rather than crashed
				s.send(bytes(JSON.createObjectNode().put("t", "bye"))).timeout(Duration.ofSeconds(2))
						.onErrorResume(e -> Mono.empty()).doFinally(x -> s.dispose()).subscribe();
			}
		}
		end(host ? "you ended the meeting for everyone" : "you left the meeting");
	}

	/** Cancels a handout: its sender stops it for everyone; a receiver stops taking it. */
	void cancelHandout(UUID id) {
		Handout h = handouts.get(id);
		if (h == null || !(h.state.equals("sending") || h.state.equals("receiving"))) {
			return;
		}
		if (h.outgoing) {
			h.state = "cancelled";
			h.cancel.tryEmitEmpty();
			send(JSON.createObjectNode().put("t", "ho-cancel").put("id", id.toString()));
		}
		else {
			discard(h, "cancelled here");
			send(JSON.createObjectNode().put("t", "ho-ack").put("id", id.toString())
					.put("bytes", h.transferred.get()).put("result", "cancelled"));
		}
		h.show(true);
	}

	/**
	 * Sends a handout: offer, chunks, then its SHA-256, in one stream that the session takes as fast as the slowest
	 * member. {@code chunks} must emit a fresh array per chunk, at most {@value #CHUNK} bytes each.
	 *
	 * @return completes when every chunk is handed to the session; fails if the meeting ends or the handout is
	 * cancelled
	 */
	Mono<Void> sendHandout(String name, long size, Flux<byte[]> chunks) {
		if (session == null || !isOpen()) {
			return Mono.error(new IllegalStateException("nobody to hand out to: invite someone first"));
		}
		UUID id = UUID.randomUUID();
		Handout h = new Handout(id, name, size, me, space.endpoint().nickname(), true);
		participants.values().stream().filter(p -> !p.name.equals(me) && inMeeting(p.name))
				.forEach(p -> h.acked.put(p.name, 0L));
		MessageDigest digest = sha256();
		byte[] header = header(id);
		handouts.put(id, h);
		h.show(true);
		Flux<byte[]> messages = Flux.concat(
				Mono.fromCallable(() -> bytes(JSON.createObjectNode().put("t", "ho-offer").put("id", id.toString())
						.put("name", name).put("size", size))),
				chunks.map(c -> {
					digest.update(c);
					byte[] m = new byte[header.length + c.length];
					System.arraycopy(header, 0, m, 0, header.length);
					System.arraycopy(c, 0, m, header.length, c.length);
					h.handed.addAndGet(c.length);
					space.state().schedule(() -> h.show(false));
					return m;
				}),
				Mono.fromCallable(() -> {
					String sha = HexFormat.of().formatHex(digest.digest());
					space.state().schedule(() -> h.sha256 = sha);
					return bytes(JSON.createObjectNode().put("t", "ho-end").put("id", id.toString())
							.put("sha256", sha).put("size", h.handed.get()));
				}));
		return session.send(messages)
				.takeUntilOther(h.cancel.asMono())
				.publishOn(space.state())
				.then(Mono.defer(() -> {
					if (!h.state.equals("sending")) {
						return Mono.<Void>error(new CancellationException("the handout was " + h.state));
					}
					h.state = "sent";
					h.show(true);
					return Mono.<Void>empty();
				}))
				.doOnError(e -> {
					if (h.state.equals("sending")) {
						h.state = "failed: " + MeetingSpace.describe(e);
						h.show(true);
					}
				})
				// the page's upload went away: the handout stops for everyone
				.doOnCancel(() -> space.state().schedule(() -> cancelHandout(id)));
	}

	/** @return a received handout's file, once complete and verified; else {@code null} */
	Path handoutFile(UUID id) {
		Handout h = handouts.get(id);
		return h != null && !h.outgoing && h.state.equals("verified") ? h.file : null;
	}

	// ----- the session -------------------------------------------------------------------------------------------------

	/** Takes the session: the host's own (the first accepted invitation made it, or a later one a new one), or ours. */
	private void attach(CollaborationSession s) {
		if (s == session) {
			return;
		}
		if (!isOpen()) {
			s.dispose();
			return;
		}
		if (receiving != null) {
			receiving.dispose();
		}
		if (watching != null) {
			watching.dispose();
		}
		session = s;
		status = "open";
		// publishOn's bounded queue keeps the session's flow control: a slow state thread slows the senders down
		receiving = s.receive().publishOn(space.state(), 32).subscribe(this::onMessage, e -> sessionEnded(s, e),
				() -> sessionEnded(s, null));
		if (host) {
			watching = s.memberChanges().filter(c -> c.type() == ChangeType.REMOVED).publishOn(space.state())
					.subscribe(c -> memberGone(s, c));
		}
		else {
			send(JSON.createObjectNode().put("t", "hello").put("nickname", space.endpoint().nickname()));
		}
		space.meetingChanged();
	}

	private void sessionEnded(CollaborationSession s, Throwable error) {
		if (s != session) {
			return;
		}
		session = null;
		if (leaving || !isOpen()) {
			return;
		}
		if (host) {
			// the library closes a host's session whose last member went: the meeting goes on here, and the next
			// accepted invitation starts a new session, whose members get the board so far
			participants.values().forEach(p -> {
				if (p.status.equals("joined")) {
					p.status = error == null ? "left" : "lost";
				}
			});
			rosterChanged();
		}
		else {
			failHandouts(error == null ? "the meeting ended" : "the connection to the host was lost");
			end(error == null ? hostNickname + " (the host) left: the meeting ended for everyone"
					: "lost the connection to " + hostNickname + " (the host), without a goodbye: its process or its "
					+ "network failed");
		}
	}

	/**
	 * The host's session says a member's part ended: lost (its process died, its connection broke) or closed without
	 * the goodbye message (its endpoint closed); a member that said goodbye shows "left" already.
	 */
	private void memberGone(CollaborationSession s, SessionMemberChange change) {
		Participant p = participants.get(change.member());
		if (s != session || !isOpen() || p == null || !p.status.equals("joined")) {
			return;
		}
		p.status = change.isLost() ? "lost" : "left";
		space.notice(p.nickname + (change.isLost() ? "'s connection was lost, without a goodbye: its process or "
				+ "its network failed" : " left the meeting"));
		rosterChanged();
	}

	private void onMessage(SessionMessage m) {
		byte[] data = m.data();
		if (data.length > 17 && data[0] == CHUNK_KIND) {
			ByteBuffer b = ByteBuffer.wrap(data, 1, 16);
			onChunk(new UUID(b.getLong(), b.getLong()), data, 17);
			return;
		}
		JsonNode j;
		try {
			j = JSON.readTree(data);
		}
		catch (IOException e) {
			space.notice("ignored a message from " + nickname(m.from()) + " that is not JSON");
			return;
		}
		switch (j.path("t").asText()) {
			case "propose" -> {
				if (host) {
					String refused = refusal(j.path("kind").asText(), j.path("body"));
					if (refused == null) {
						commit(m.from(), j.path("kind").asText(), j.path("body"));
					}
					else {
						space.notice("refused a " + j.path("kind").asText() + " from " + nickname(m.from()) + ": "
								+ refused);
					}
				}
			}
			case "commit" -> {
				if (!host && m.from().equals(hostName)) {
					take(List.of((ObjectNode) j.path("entry")));
				}
			}
			case "sync" -> {
				if (!host && m.from().equals(hostName) && me.toString().equals(j.path("to").asText())) {
					List<ObjectNode> entries = new ArrayList<>();
					j.path("entries").forEach(e -> entries.add((ObjectNode) e));
					take(entries);
				}
			}
			case "roster" -> {
				if (!host && m.from().equals(hostName)) {
					participants.clear();
					j.path("participants").forEach(p -> {
						PeerName n = PeerName.parse(p.path("name").asText());
						participants.put(n, new Participant(n, p.path("nickname").asText(),
								p.path("colour").asText(), p.path("status").asText()));
					});
					space.meetingChanged();
				}
			}
			case "hello" -> {
				Participant p = participants.get(m.from());
				if (host && p != null) {
					p.nickname = j.path("nickname").asText(p.nickname);
					p.status = "joined";
					rosterChanged();
				}
			}
			case "bye" -> {
				Participant p = participants.get(m.from());
				if (host && p != null) {
					p.status = "left";
					space.notice(p.nickname + " left the meeting");
					rosterChanged();
				}
			}
			case "ho-offer" -> onOffer(m.from(), j);
			case "ho-end" -> onHandoutEnd(j);
			case "ho-cancel" -> {
				Handout h = handouts.get(uuid(j));
				if (h != null && !h.outgoing && h.from.equals(m.from()) && h.state.equals("receiving")) {
					discard(h, "cancelled by " + h.fromNickname);
					h.show(true);
				}
			}
			case "ho-ack" -> {
				Handout h = handouts.get(uuid(j));
				if (h != null && h.outgoing) {
					String result = j.path("result").asText("");
					long bytes = Math.max(0, Math.min(h.size, j.path("bytes").asLong()));
					h.receivers.put(nickname(m.from()), result.isEmpty() ? percent(bytes, h.size) : result);
					if (result.isEmpty() || result.equals("verified")) {
						h.acked.computeIfPresent(m.from(), (k, v) -> Math.max(v, bytes));
					}
					else {
						// cancelled or failed there: the others' progress is what counts now
						h.acked.remove(m.from());
					}
					h.show(true);
				}
			}
			default -> {
				// a message of a later version: ignored
			}
		}
	}

	/**
	 * @return why the host does not put this on the board or in the chat, or {@code null}: what a member can make
	 * every other screen hold is bounded
	 */
	private String refusal(String kind, JsonNode body) {
		if (log.size() >= MAX_LOG) {
			return "the meeting holds at most " + MAX_LOG + " strokes and lines";
		}
		if (kind.equals("chat")) {
			String text = body.path("text").asText("");
			return text.isEmpty() || text.length() > MAX_CHAT ? "text must be 1 to " + MAX_CHAT + " characters" : null;
		}
		if (!kind.equals("stroke")) {
			return "kind must be stroke or chat, was " + kind;
		}
		if (!List.of("pen", "line", "rect", "ellipse").contains(body.path("tool").asText())) {
			return "tool must be pen, line, rect or ellipse";
		}
		String id = body.path("id").asText("");
		if (id.isEmpty() || id.length() > 64) {
			return "id must be 1 to 64 characters";
		}
		int w = body.path("w").asInt(3);
		if (w < 1 || w > 40) {
			return "w must be 1 to 40";
		}
		JsonNode pts = body.path("pts");
		if (!pts.isArray() || pts.size() < 2 || pts.size() > MAX_POINTS * 2 || pts.size() % 2 != 0) {
			return "pts must be 1 to " + MAX_POINTS + " points (x, y)";
		}
		for (JsonNode n : pts) {
			if (!n.canConvertToInt() || n.asInt() < -10_000 || n.asInt() > 10_000) {
				return "pts must be whole numbers from -10000 to 10000";
			}
		}
		return body.size() <= 4 ? null : "a stroke has id, tool, w and pts only";
	}

	private void commit(PeerName author, String kind, JsonNode body) {
		Participant p = participants.get(author);
		ObjectNode entry = JSON.createObjectNode().put("seq", nextSeq++).put("by", author.toString())
				.put("nickname", p == null ? author.classifier() : p.nickname)
				.put("colour", p == null ? "#444444" : p.colour).put("kind", kind);
		entry.set("body", body);
		log.put(entry.get("seq").asLong(), entry);
		if (session != null) {
			send(JSON.createObjectNode().put("t", "commit").set("entry", entry));
		}
		ArrayNode entries = JSON.createArrayNode().add(entry);
		space.toPages(JSON.createObjectNode().put("t", "log").set("entries", entries));
	}

	private void take(List<ObjectNode> entries) {
		ArrayNode shown = JSON.createArrayNode();
		for (ObjectNode e : entries) {
			long seq = e.path("seq").asLong();
			if (seq > 0 && log.putIfAbsent(seq, e) == null) {
				shown.add(e);
			}
		}
		if (!shown.isEmpty()) {
			space.toPages(JSON.createObjectNode().put("t", "log").set("entries", shown));
		}
	}

	/** The log so far, to a member that just joined: addressed to it, in pieces that fit a message. */
	private void sync(PeerName to) {
		ArrayNode piece = JSON.createArrayNode();
		int size = 0;
		for (ObjectNode e : log.values()) {
			int s = e.toString().length();
			if (size + s > MAX_SYNC_BYTES && !piece.isEmpty()) {
				send(JSON.createObjectNode().put("t", "sync").put("to", to.toString()).set("entries", piece));
				piece = JSON.createArrayNode();
				size = 0;
			}
			piece.add(e);
			size += s;
		}
		if (!piece.isEmpty()) {
			send(JSON.createObjectNode().put("t", "sync").put("to", to.toString()).set("entries", piece));
		}
	}

	private void rosterChanged() {
		if (host && session != null) {
			ArrayNode ps = JSON.createArrayNode();
			participants.values().forEach(p -> ps.addObject().put("name", p.name.toString())
					.put("nickname", p.nickname).put("colour", p.colour).put("status", p.status));
			send(JSON.createObjectNode().put("t", "roster").set("participants", ps));
		}
		space.meetingChanged();
	}

	// ----- handouts received -------------------------------------------------------------------------------------------

	private void onOffer(PeerName from, JsonNode j) {
		UUID id = uuid(j);
		long size = j.path("size").asLong(-1);
		if (id == null || handouts.containsKey(id)) {
			return;
		}
		if (size < 0 || size > MAX_HANDOUT || handouts.size() >= MAX_HANDOUTS) {
			space.notice("refused a handout from " + nickname(from) + ": size must be 0 to " + MAX_HANDOUT
					+ " bytes and at most " + MAX_HANDOUTS + " handouts are kept");
			return;
		}
		String name = j.path("name").asText("handout").replaceAll("[\\\\/\\x00-\\x1f]", "_");
		Handout h = new Handout(id, name.length() > 200 ? name.substring(0, 200) : name, size, from, nickname(from),
				false);
		try {
			h.file = Files.createTempFile(space.handoutDir(), "handout", ".part");
			h.out = Files.newOutputStream(h.file);
		}
		catch (IOException e) {
			h.state = "failed: " + e.getMessage();
		}
		h.digest = sha256();
		handouts.put(id, h);
		h.show(true);
	}

	private void onChunk(UUID id, byte[] data, int offset) {
		Handout h = handouts.get(id);
		if (h == null || !h.state.equals("receiving")) {
			return;
		}
		int n = data.length - offset;
		long now = h.transferred.addAndGet(n);
		if (now > h.size) {
			discard(h, "failed: more than the " + h.size + " bytes announced");
			h.show(true);
			return;
		}
		try {
			h.out.write(data, offset, n);
		}
		catch (IOException e) {
			discard(h, "failed: " + e.getMessage());
			h.show(true);
			return;
		}
		h.digest.update(data, offset, n);
		if ((now - n) / ACK_EVERY != now / ACK_EVERY) {
			// the sender's page shows how far each receiver is: its progress bar is what the receivers have
			send(JSON.createObjectNode().put("t", "ho-ack").put("id", id.toString()).put("bytes", now));
		}
		h.show(false);
	}

	private void onHandoutEnd(JsonNode j) {
		Handout h = handouts.get(uuid(j));
		if (h == null || h.outgoing || !h.state.equals("receiving")) {
			return;
		}
		String sha = HexFormat.of().formatHex(h.digest.digest());
		try {
			h.out.close();
		}
		catch (IOException e) {
			discard(h, "failed: " + e.getMessage());
		}
		if (h.state.equals("receiving")) {
			h.sha256 = sha;
			if (sha.equals(j.path("sha256").asText()) && h.transferred.get() == h.size) {
				h.state = "verified";
			}
			else {
				discard(h, "failed: SHA-256 or size does not match the sender's");
				h.sha256 = sha;
			}
		}
		send(JSON.createObjectNode().put("t", "ho-ack").put("id", h.id.toString()).put("bytes", h.transferred.get())
				.put("result", h.state));
		h.show(true);
	}

	private void discard(Handout h, String why) {
		h.state = why;
		try {
			if (h.out != null) {
				h.out.close();
			}
			if (h.file != null) {
				Files.deleteIfExists(h.file);
			}
		}
		catch (IOException e) {
			// a temporary file: the directory goes when Meeting Space closes
		}
	}

	private void failHandouts(String why) {
		handouts.values().forEach(h -> {
			if (h.state.equals("receiving")) {
				discard(h, "failed: " + why);
				h.show(true);
			}
		});
	}

	// ----- helpers -----------------------------------------------------------------------------------------------------

	private void end(String why) {
		if (ended != null) {
			return;
		}
		ended = why;
		status = "ended";
		// nobody is in a meeting that ended: the roster shows how each one's part ended
		String hostGone = leaving ? (host ? "ended it" : "host") : why.startsWith("lost") ? "lost" : "left";
		participants.values().forEach(p -> {
			if (p.name.equals(hostName)) {
				p.status = hostGone;
			}
			else if (p.status.equals("joined") || p.status.equals("invited")) {
				p.status = p.name.equals(me) ? "left" : "not in a meeting now";
			}
		});
		if (watching != null) {
			watching.dispose();
		}
		if (receiving != null && leaving) {
			receiving.dispose();
		}
		failHandouts(why);
		space.meetingChanged();
	}

	private void send(ObjectNode message) {
		CollaborationSession s = session;
		if (s != null) {
			s.send(bytes(message)).subscribe(null, e -> {
				// the session's end is shown by sessionEnded
			});
		}
	}

	/** @return whether {@code name} is in the meeting now: joined, or its host */
	private boolean inMeeting(PeerName name) {
		Participant p = participants.get(name);
		return p != null && (p.status.equals("joined") || p.status.equals("host"));
	}

	private String nickname(PeerName name) {
		Participant p = participants.get(name);
		return p != null ? p.nickname : name.classifier();
	}

	private static String percent(long done, long size) {
		return size == 0 ? "100%" : (done * 100 / size) + "%";
	}

	private static UUID uuid(JsonNode j) {
		try {
			return UUID.fromString(j.path("id").asText());
		}
		catch (IllegalArgumentException e) {
			return null;
		}
	}

	private static byte[] header(UUID id) {
		return ByteBuffer.allocate(17).put(CHUNK_KIND).putLong(id.getMostSignificantBits())
				.putLong(id.getLeastSignificantBits()).array();
	}

	static byte[] bytes(ObjectNode message) {
		return message.toString().getBytes(StandardCharsets.UTF_8);
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("every Java has SHA-256", e);
		}
	}

	/** The meeting for the page: who hosts, who is in it, the handouts; the log goes separately. */
	ObjectNode json() {
		ObjectNode o = JSON.createObjectNode().put("host", host).put("hostNickname", hostNickname)
				.put("hostName", hostName.toString()).put("status", status).put("hostLeaves", HOST_LEAVES);
		if (ended != null) {
			o.put("ended", ended);
		}
		o.put("connected", session != null);
		ArrayNode ps = o.putArray("participants");
		participants.values().forEach(p -> ps.addObject().put("name", p.name.toString()).put("nickname", p.nickname)
				.put("colour", p.colour).put("status", p.status).put("me", p.name.equals(me)));
		ArrayNode hs = o.putArray("handouts");
		handouts.values().forEach(h -> hs.add(h.json()));
		return o;
	}

	/** The log from {@code afterSeq} on, for a page. */
	ObjectNode logJson(long afterSeq) {
		ArrayNode entries = JSON.createArrayNode();
		log.tailMap(afterSeq, false).values().forEach(entries::add);
		return JSON.createObjectNode().put("t", "log").put("reset", true).set("entries", entries);
	}
}
