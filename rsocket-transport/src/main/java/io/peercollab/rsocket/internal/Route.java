// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import io.peercollab.InvalidRequestException;
import io.peercollab.MessageText;

/**
 * The routes of protocol version 1 and the interaction model each must be called with.
 */
enum Route {

	/** Confirms a SETUP was accepted; sent by PeerCollab clients right after connecting. */
	HELLO("peercollab.v1.hello", Interaction.REQUEST_RESPONSE),
	/** {@code PeerRequestHandler.invite}. */
	INVITE("peercollab.v1.invite", Interaction.REQUEST_RESPONSE),
	/** {@code PeerRequestHandler.presence}. */
	PRESENCE("peercollab.v1.presence", Interaction.REQUEST_RESPONSE),
	/** {@code PeerRequestHandler.card}. */
	CARD("peercollab.v1.card", Interaction.REQUEST_RESPONSE),
	/** {@code PeerRequestHandler.applications}. */
	APPLICATIONS("peercollab.v1.applications", Interaction.REQUEST_STREAM),
	/** {@code PeerRequestHandler.objects}. */
	OBJECTS("peercollab.v1.objects", Interaction.REQUEST_STREAM),
	/** {@code PeerRequestHandler.events}. */
	EVENTS("peercollab.v1.events", Interaction.REQUEST_STREAM),
	/** {@code PeerRequestHandler.session}. */
	SESSION("peercollab.v1.session", Interaction.REQUEST_CHANNEL),
	/** {@code PeerRequestHandler.signedOut}. */
	SIGNED_OUT("peercollab.v1.signed-out", Interaction.FIRE_AND_FORGET),
	/** Coordinates TCP hole punching over an existing (relayed) connection; see {@code HolePunchUpgrade}. */
	PUNCH("peercollab.v1.punch", Interaction.REQUEST_RESPONSE);

	/** RSocket's interaction models, named as in the RSocket protocol specification. */
	enum Interaction {
		REQUEST_RESPONSE("request-response"), REQUEST_STREAM("request-stream"), REQUEST_CHANNEL("request-channel"),
		FIRE_AND_FORGET("fire-and-forget");

		private final String text;

		Interaction(String text) {
			this.text = text;
		}

		@Override
		public String toString() {
			return text;
		}
	}

	private final String path;
	private final Interaction interaction;

	Route(String path, Interaction interaction) {
		this.path = path;
		this.interaction = interaction;
	}

	/** @return the routing tag */
	String path() {
		return path;
	}

	/** @return the interaction model the route must be called with */
	Interaction interaction() {
		return interaction;
	}

	/**
	 * @return the route with this tag
	 * @throws InvalidRequestException if no route has it, or it is called with the wrong interaction
	 */
	static Route of(String path, Interaction calledWith) {
		for (Route r : ALL) {
			if (r.path.equals(path)) {
				if (r.interaction != calledWith) {
					throw new InvalidRequestException("Route '" + path + "' is " + r.interaction
							+ ", it was called with " + calledWith);
				}
				return r;
			}
		}
		throw new InvalidRequestException("Unknown route '" + MessageText.quote(path) + "'");
	}

	/** {@link #values()} copies its array at every call; a request's route is looked up in this one. */
	private static final Route[] ALL = values();

	@Override
	public String toString() {
		return path;
	}
}
