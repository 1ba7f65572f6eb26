// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.LongFunction;

import io.peercollab.ChangeType;
import io.peercollab.InvitationStatus;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.PeerRequestHandler;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A {@link PeerRequestHandler} test double: answers with canned values a test may replace, and records every call
 * with the caller the transport passed.
 */
final class RecordingHandler implements PeerRequestHandler {

	static final PresenceInfo PRESENCE = new PresenceInfo(PresenceStatus.BUSY, "in a meeting");
	static final PeerApplication WHITEBOARD = new PeerApplication(
			UUID.fromString("5f0c2a7e-8a44-4c57-9a43-3f6e0e1d2b11"), "Whiteboard",
			"board".getBytes(StandardCharsets.UTF_8), PeerScope.NEAR_ME, "/usr/bin/whiteboard", List.of("--big"));
	static final PeerObject PICTURE = new PeerObject(UUID.fromString("0b7d6c8e-3f6a-4c44-8e0b-6a2f0d5c9e21"),
			new byte[] { 1, 2, 3, 4 }, PeerScope.ALL);
	static final String CARD = "<card name=\"alice\"/>";

	/** One call: which method, who called (as the transport proved it), with what. */
	record Call(String method, PeerName caller, Object argument) {
	}

	final List<Call> calls = new CopyOnWriteArrayList<>();
	volatile Sinks.Many<PeerName> signedOut;

	volatile Function<InviteRequest, Mono<InviteReply>> invite;
	volatile Mono<PresenceInfo> presence;
	volatile Flux<PeerApplication> applications;
	volatile Flux<PeerObject> objects;
	volatile Mono<String> card;
	volatile LongFunction<Flux<PeerEvent>> events;
	/** Echoes every inbound frame back, stamped with the caller as origin. */
	volatile BiFunction<PeerName, Flux<SessionFrame>, Flux<SessionFrame>> session;

	RecordingHandler() {
		reset();
	}

	/** Forgets the calls and restores every canned answer. */
	void reset() {
		calls.clear();
		signedOut = Sinks.many().replay().all();
		invite = r -> Mono.just(new InviteReply(InvitationStatus.ACCEPTED, "welcome, " + r.senderNickname()));
		presence = Mono.just(PRESENCE);
		applications = Flux.just(WHITEBOARD.withoutLaunchDetails());
		objects = Flux.just(PICTURE);
		card = Mono.just(CARD);
		events = after -> Flux.just(new PresenceChange(ChangeType.ADDED, PRESENCE, after + 1),
				new PeerEvent.Synced(after + 1));
		session = (caller, in) -> in.map(f -> new SessionFrame(caller, f.data()));
	}

	@Override
	public Mono<InviteReply> invite(PeerName caller, InviteRequest request) {
		calls.add(new Call("invite", caller, request));
		return invite.apply(request);
	}

	@Override
	public Mono<PresenceInfo> presence(PeerName caller) {
		calls.add(new Call("presence", caller, null));
		return presence;
	}

	@Override
	public Flux<PeerApplication> applications(PeerName caller) {
		calls.add(new Call("applications", caller, null));
		return applications;
	}

	@Override
	public Flux<PeerObject> objects(PeerName caller) {
		calls.add(new Call("objects", caller, null));
		return objects;
	}

	@Override
	public Mono<String> card(PeerName caller) {
		calls.add(new Call("card", caller, null));
		return card;
	}

	@Override
	public Flux<PeerEvent> events(PeerName caller, long afterVersion) {
		calls.add(new Call("events", caller, afterVersion));
		return events.apply(afterVersion);
	}

	@Override
	public Flux<SessionFrame> session(PeerName caller, SessionOpen open, Flux<SessionFrame> inbound) {
		calls.add(new Call("session", caller, open));
		return session.apply(caller, inbound);
	}

	@Override
	public Mono<Void> signedOut(PeerName caller) {
		calls.add(new Call("signedOut", caller, null));
		signedOut.tryEmitNext(caller);
		return Mono.empty();
	}

	/** Makes every method fail with {@code error}. */
	RecordingHandler failingWith(RuntimeException error) {
		invite = r -> Mono.error(error);
		presence = Mono.error(error);
		applications = Flux.error(error);
		objects = Flux.error(error);
		card = Mono.error(error);
		events = after -> Flux.error(error);
		session = (caller, in) -> Flux.error(error);
		return this;
	}
}
