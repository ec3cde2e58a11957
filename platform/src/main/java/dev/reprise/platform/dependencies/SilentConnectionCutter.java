package dev.reprise.platform.dependencies;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateEvent;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.impl.Connection;
import io.vertx.sqlclient.impl.SocketConnectionBase;
import io.vertx.sqlclient.impl.SqlConnectionBase;
import org.jboss.logging.Logger;

/**
 * Makes the socket timeout actually end a connection the server stopped answering on. Vert.x notices the silence
 * (its idle handler), but closes a PostgreSQL connection politely: it sends Terminate and waits for the server to
 * hang up, which a hung server never does, so the statement waiting on it waits forever. This handler, placed
 * between the idle detector and the PostgreSQL codec, closes the socket itself; the codec then fails the waiting
 * statements with {@code ClosedConnectionException}.
 *
 * <p>It reaches the Netty pipeline through Vert.x SQL client internals (4.5): if those change, it logs a warning
 * and the pool keeps its other bounds (connect and acquire timeouts); {@code DependencyOutageTest} would notice.
 */
final class SilentConnectionCutter extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = Logger.getLogger(SilentConnectionCutter.class);
    private static final String NAME = "reprise-cut-silent-connection";
    /** The name Vert.x gives the idle detector it adds for a non-zero idle timeout. */
    private static final String VERTX_IDLE_HANDLER = "idle";
    private static volatile boolean warned;

    private SilentConnectionCutter() {
    }

    /** For the pool's connect handler: called once per new connection, before the pool hands it out. */
    static void install(SqlConnection connection) {
        try {
            Connection inner = ((SqlConnectionBase<?>) connection).unwrap();
            for (int depth = 0; !(inner instanceof SocketConnectionBase) && depth < 4; depth++) {
                inner = inner.unwrap();
            }
            ChannelPipeline pipeline = ((SocketConnectionBase) inner).socket().channelHandlerContext().pipeline();
            if (pipeline.get(VERTX_IDLE_HANDLER) != null && pipeline.get(NAME) == null) {
                pipeline.addAfter(VERTX_IDLE_HANDLER, NAME, new SilentConnectionCutter());
            }
        } catch (RuntimeException e) {
            if (!warned) {
                warned = true;
                LOG.warnf("Cannot bound waits on established database connections (Vert.x internals changed?): %s", e);
            }
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            // from this handler's context the close goes straight to the socket, past the codec that would wait
            context.close();
            return;
        }
        super.userEventTriggered(context, event);
    }
}
