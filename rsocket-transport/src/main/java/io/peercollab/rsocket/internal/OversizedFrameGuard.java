// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Closes a connection whose peer sent a frame longer than the frame limit, as PROTOCOL.md section 4.3 says. Placed
 * right after the length codec, which reports such a frame with a {@link TooLongFrameException} and then discards its
 * bytes: without this guard Reactor Netty only hands the error to the inbound side, and the connection stays open
 * with nothing served on it any more, so every request in flight and every later one hangs.
 */
@ChannelHandler.Sharable
final class OversizedFrameGuard extends ChannelInboundHandlerAdapter {

	static final OversizedFrameGuard INSTANCE = new OversizedFrameGuard();

	private static final Logger log = Loggers.getLogger(OversizedFrameGuard.class);

	private OversizedFrameGuard() {
	}

	@Override
	public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
		if (cause instanceof TooLongFrameException) {
			log.debug("Closing the connection with {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
			ctx.close();
			return;
		}
		ctx.fireExceptionCaught(cause);
	}
}
