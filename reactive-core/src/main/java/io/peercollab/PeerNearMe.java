package io.peercollab;

/**
 * A peer found on the local network by discovery. Its name is what it announced: a claim until the first connection
 * proves it. A peer whose key does not match is removed from {@link PeerCollaboration#peersNearMe()} and reported as
 * a {@link Diagnostic.Kind#SPOOFED_NAME}.
 */
public interface PeerNearMe extends Peer {

	/** @return whether a connection has proven the announced name */
	boolean isVerified();
}
