using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Npgsql;
using StackExchange.Redis;
using TaskFlow.LocalInfra;

namespace TaskFlow.Tests.Infrastructure;

// Real servers on free loopback ports (tools/TaskFlow.LocalInfra). One class per server so xunit runs them in parallel.

public sealed class RedisLocalInfraTests
{
    [Fact]
    public async Task Durable_redis_keeps_a_key_across_a_clean_restart_and_a_crash()
    {
        var server = await RedisServer.StartAsync(InfraOptions.ForTests("redis", durable: true));
        int port = server.Port, pid = server.ProcessId!.Value;
        await using (server)
        {
            Assert.Equal($"127.0.0.1:{port}", server.ConnectionString);
            await using (var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString))
            {
                Assert.True(await redis.GetDatabase().StringSetAsync("tf:durable", "kept"));
                Assert.Equal("kept", (string?)await redis.GetDatabase().StringGetAsync("tf:durable"));
            }

            await server.RestartAsync();
            Assert.Equal(port, server.Port);
            Assert.False(InfraProbe.IsAlive(pid), "the first redis-server must be gone after a restart");
            await using (var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString))
            {
                Assert.Equal("kept", (string?)await redis.GetDatabase().StringGetAsync("tf:durable"));
                Assert.True(await redis.GetDatabase().StringSetAsync("tf:after-restart", "also"));
            }

            // SIGKILL: the AOF write happened before the reply, so the OS has it even without a clean shutdown.
            await server.KillAsync();
            Assert.False(server.IsRunning);
            await server.RestartAsync();
            await using (var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString))
            {
                Assert.Equal("kept", (string?)await redis.GetDatabase().StringGetAsync("tf:durable"));
                Assert.Equal("also", (string?)await redis.GetDatabase().StringGetAsync("tf:after-restart"));
            }

            pid = server.ProcessId!.Value;
        }

        await InfraProbe.AssertGoneAsync(port, pid);
    }

    [Fact]
    public async Task Fast_redis_works_and_writes_nothing_to_disk()
    {
        var options = InfraOptions.ForTests("redis-fast");
        var server = await RedisServer.StartAsync(options);
        int port = server.Port, pid = server.ProcessId!.Value;
        await using (server)
        {
            Assert.True(server.StartDuration < TimeSpan.FromSeconds(5), $"Redis took {server.StartDuration}");
            await using (var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString))
            {
                await redis.GetDatabase().StringSetAsync("tf:fast", "x");
                Assert.Equal("x", (string?)await redis.GetDatabase().StringGetAsync("tf:fast"));
            }

            await server.RestartAsync();
            await using (var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString))
            {
                Assert.False(await redis.GetDatabase().KeyExistsAsync("tf:fast"));
            }

            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(options.DataDirectory, "data")));
            pid = server.ProcessId!.Value;
        }

        await InfraProbe.AssertGoneAsync(port, pid);
        Assert.False(Directory.Exists(options.DataDirectory), "ForTests data is deleted on dispose");
    }
}

public sealed class PostgresLocalInfraTests
{
    [Fact]
    public async Task Fast_postgres_serves_taskflowdb_with_the_contract_connection_string()
    {
        var server = await PostgresServer.StartAsync(InfraOptions.ForTests("pg-fast"));
        int port = server.Port, pid = server.ProcessId!.Value;
        await using (server)
        {
            Assert.Equal($"Host=127.0.0.1;Port={port};Username=postgres;Password={PostgresServer.Password};Database=taskflowdb", server.ConnectionString);
            await using var connection = new NpgsqlConnection(server.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select 1, current_database(), current_setting('fsync')", connection);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(1, reader.GetInt32(0));
            Assert.Equal("taskflowdb", reader.GetString(1));
            Assert.Equal("off", reader.GetString(2));
        }

        await InfraProbe.AssertGoneAsync(port, pid);
    }

    [Fact]
    public async Task Postgres_checks_the_password()
    {
        await using var server = await PostgresServer.StartAsync(InfraOptions.ForTests("pg-auth"));
        var wrong = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Password = "wrong" }.ConnectionString;
        await using var connection = new NpgsqlConnection(wrong);
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.Equal("28P01", error.SqlState);
    }

    [Fact]
    public async Task Durable_postgres_keeps_rows_across_a_clean_restart_and_a_crash()
    {
        var server = await PostgresServer.StartAsync(InfraOptions.ForTests("pg-durable", durable: true));
        int port = server.Port, pid = server.ProcessId!.Value;
        await using (server)
        {
            await ExecuteAsync(server, "create table notes(id int primary key, body text); insert into notes values (1, 'before restart')");
            await server.RestartAsync();
            Assert.Equal(port, server.Port);
            Assert.False(InfraProbe.IsAlive(pid), "the first postmaster must be gone after a restart");
            Assert.Equal("before restart", await ScalarAsync(server, "select body from notes where id = 1"));

            // A committed row survives SIGKILL of the whole server (WAL, fsync on).
            await ExecuteAsync(server, "insert into notes values (2, 'before crash')");
            await server.KillAsync();
            await server.RestartAsync();
            Assert.Equal("before crash", await ScalarAsync(server, "select body from notes where id = 2"));
            Assert.Equal("on", await ScalarAsync(server, "select current_setting('fsync')"));
            pid = server.ProcessId!.Value;
        }

        await InfraProbe.AssertGoneAsync(port, pid);
    }

    private static async Task ExecuteAsync(PostgresServer server, string sql)
    {
        await using var connection = new NpgsqlConnection(Unpooled(server));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string?> ScalarAsync(PostgresServer server, string sql)
    {
        await using var connection = new NpgsqlConnection(Unpooled(server));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (string?)await command.ExecuteScalarAsync();
    }

    // Pooling off: after a restart, pooled connections are broken (the application's own pools recover by retrying).
    private static string Unpooled(PostgresServer server) =>
        new NpgsqlConnectionStringBuilder(server.ConnectionString) { Pooling = false }.ConnectionString;
}

public sealed class RabbitMqLocalInfraTests
{
    [Fact]
    public async Task RabbitMq_accepts_guest_and_keeps_a_durable_queue_and_persistent_message_across_a_restart()
    {
        var server = await RabbitMqServer.StartAsync(InfraOptions.ForTests("rabbitmq"));
        int port = server.Port, pid = server.ProcessId!.Value, epmdPort = server.EpmdPort;
        await using (server)
        {
            Assert.Equal($"amqp://guest:guest@127.0.0.1:{port}", server.ConnectionString);
            var uri = new Uri(server.ConnectionString);
            await using (var amqp = await MiniAmqp.ConnectAsync(uri))
            {
                Assert.Equal(0u, await amqp.DeclareQueueAsync("tf-durable", passive: false));
                await amqp.PublishPersistentAsync("tf-durable", "hello"u8.ToArray());
                Assert.Equal(1u, await amqp.DeclareQueueAsync("tf-durable", passive: true));
            }

            await server.RestartAsync();
            Assert.Equal(port, server.Port);
            Assert.False(InfraProbe.IsAlive(pid), "the first broker must be gone after a restart");
            Assert.True(FreePort.IsFree(epmdPort), "the first epmd must be gone after a restart");
            await using (var amqp = await MiniAmqp.ConnectAsync(uri))
            {
                Assert.Equal(1u, await amqp.DeclareQueueAsync("tf-durable", passive: true));
            }

            pid = server.ProcessId!.Value;
            epmdPort = server.EpmdPort;
        }

        await InfraProbe.AssertGoneAsync(port, pid);
        Assert.True(FreePort.IsFree(epmdPort), "epmd must stop with the broker");
    }
}

public sealed class TopologyLocalInfraTests
{
    [Fact]
    public void Each_service_gets_exactly_the_contract_keys()
    {
        var infra = new InfraConnections("127.0.0.1:1", "Host=127.0.0.1;Port=2;Username=postgres;Password=p;Database=taskflowdb", "amqp://guest:guest@127.0.0.1:3", InfraConnections.DefaultChat);
        var topology = TaskFlowTopology.Create(infra, new Dictionary<string, int> { ["gateway"] = 5100 }).ToDictionary(s => s.Name);

        Assert.Equal(["chatsocket", "gateway", "inferenceworker", "telemetry", "web"], topology.Keys.Order());
        Assert.Equal(5100, topology["gateway"].Port);
        Assert.Equal(5, topology.Values.Select(s => s.Port).Distinct().Count());
        Assert.Equal(
            ["Management__Port", "services__chatsocket__http__0", "services__telemetry__http__0", "services__web__http__0"],
            topology["gateway"].Environment.Keys.Order());
        Assert.DoesNotContain(topology["gateway"].Environment["Management__Port"], topology.Values.Select(s => s.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(topology["web"].Url, topology["gateway"].Environment["services__web__http__0"]);
        Assert.Equal(["ConnectionStrings__redis", "ConnectionStrings__taskflowdb"], topology["web"].Environment.Keys.Order());
        Assert.Equal(["ConnectionStrings__messaging", "ConnectionStrings__redis", "ConnectionStrings__taskflowdb"], topology["chatsocket"].Environment.Keys.Order());
        Assert.Equal(["ConnectionStrings__chat", "ConnectionStrings__messaging", "ConnectionStrings__redis"], topology["inferenceworker"].Environment.Keys.Order());
        Assert.Equal(["ConnectionStrings__messaging", "ConnectionStrings__redis", "ConnectionStrings__taskflowdb"], topology["telemetry"].Environment.Keys.Order());
        Assert.Equal(infra.Chat, topology["inferenceworker"].Environment["ConnectionStrings__chat"]);
        Assert.Equal("TaskFlow.InferenceWorker", topology["inferenceworker"].ProjectName);
    }

    [Fact]
    public void Replicas_get_their_own_process_and_port_and_the_gateway_gets_an_address_for_each()
    {
        var infra = new InfraConnections("127.0.0.1:1", "Host=127.0.0.1;Port=2;Username=postgres;Password=p;Database=taskflowdb", "amqp://guest:guest@127.0.0.1:3", InfraConnections.DefaultChat);
        var topology = TaskFlowTopology.Create(infra, replicas: new Dictionary<string, int> { ["chatsocket"] = 2, ["inferenceworker"] = 3 })
            .ToDictionary(s => s.Name);

        Assert.Equal(["chatsocket", "chatsocket-2", "gateway", "inferenceworker", "inferenceworker-2", "inferenceworker-3", "telemetry", "web"],
            topology.Keys.Order());
        Assert.Equal(8, topology.Values.Select(s => s.Port).Distinct().Count());
        Assert.Equal("chatsocket", topology["chatsocket-2"].ServiceName);
        Assert.Equal("TaskFlow.ChatSocket", topology["chatsocket-2"].ProjectName);
        Assert.Equal(topology["chatsocket"].Environment, topology["chatsocket-2"].Environment);
        Assert.Equal(
            ["Management__Port", "services__chatsocket__http__0", "services__chatsocket__http__1", "services__telemetry__http__0", "services__web__http__0"],
            topology["gateway"].Environment.Keys.Order());
        Assert.Equal(topology["chatsocket-2"].Url, topology["gateway"].Environment["services__chatsocket__http__1"]);
        Assert.Throws<ArgumentOutOfRangeException>(() => TaskFlowTopology.Create(infra, replicas: new Dictionary<string, int> { ["gateway"] = 2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => TaskFlowTopology.Create(infra, replicas: new Dictionary<string, int> { ["chatsocket"] = 0 }));
    }

    [Fact]
    public void Repository_root_and_service_paths_resolve()
    {
        var root = RepoLayout.FindRoot();
        Assert.True(File.Exists(Path.Combine(root, RepoLayout.SolutionFileName)));
        Assert.EndsWith(
            Path.Combine("src", "TaskFlow.Gateway", "bin", RepoLayout.BuildConfiguration, "net10.0", "TaskFlow.Gateway.dll"),
            RepoLayout.ServiceAssembly(root, "TaskFlow.Gateway"));
    }
}

internal static class InfraProbe
{
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static async Task AssertGoneAsync(int port, int pid)
    {
        Assert.False(IsAlive(pid), $"process {pid} must be gone after dispose");
        Assert.True(await FreePort.WaitFreeAsync(port, TimeSpan.FromSeconds(2)), $"port {port} must be free after dispose");
    }
}

/// <summary>Just enough AMQP 0-9-1 to log in, declare a queue and publish: proves the broker really works, without a client library.</summary>
internal sealed class MiniAmqp : IAsyncDisposable
{
    private const byte MethodFrame = 1;
    private const byte HeaderFrame = 2;
    private const byte BodyFrame = 3;
    private const byte HeartbeatFrame = 8;
    private const byte FrameEnd = 0xCE;

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private MiniAmqp(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<MiniAmqp> ConnectAsync(Uri uri)
    {
        var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        var amqp = new MiniAmqp(client);
        var user = Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]);
        var password = Uri.UnescapeDataString(uri.UserInfo.Split(':')[1]);

        await amqp._stream.WriteAsync("AMQP\0\0\u0009\u0001"u8.ToArray());
        await amqp.ExpectAsync(0, 10, 10); // Connection.Start
        await amqp.SendMethodAsync(0, 10, 11, w => // Start-Ok
        {
            w.Table();
            w.ShortString("PLAIN");
            w.LongString($"\0{user}\0{password}");
            w.ShortString("en_US");
        });
        var tune = await amqp.ExpectAsync(0, 10, 30); // Tune (a failed login closes the socket instead)
        var channelMax = BinaryPrimitives.ReadUInt16BigEndian(tune);
        var frameMax = BinaryPrimitives.ReadUInt32BigEndian(tune.AsSpan(2));
        await amqp.SendMethodAsync(0, 10, 31, w => { w.UInt16(channelMax); w.UInt32(frameMax); w.UInt16(0); }); // Tune-Ok, no heartbeats
        await amqp.SendMethodAsync(0, 10, 40, w => { w.ShortString("/"); w.ShortString(""); w.Byte(0); }); // Connection.Open
        await amqp.ExpectAsync(0, 10, 41);
        await amqp.SendMethodAsync(1, 20, 10, w => w.ShortString("")); // Channel.Open
        await amqp.ExpectAsync(1, 20, 11);
        await amqp.SendMethodAsync(1, 85, 10, w => w.Byte(0)); // Confirm.Select: the broker acks each publish once it is safe
        await amqp.ExpectAsync(1, 85, 11);
        return amqp;
    }

    /// <summary>Queue.Declare (durable); returns the message count.</summary>
    public async Task<uint> DeclareQueueAsync(string name, bool passive)
    {
        await SendMethodAsync(1, 50, 10, w =>
        {
            w.UInt16(0);
            w.ShortString(name);
            w.Byte((byte)((passive ? 1 : 0) | 2));
            w.Table();
        });
        var ok = await ExpectAsync(1, 50, 11);
        var nameLength = ok[0];
        return BinaryPrimitives.ReadUInt32BigEndian(ok.AsSpan(1 + nameLength));
    }

    /// <summary>Basic.Publish to the default exchange with delivery mode 2 (persistent); returns once the broker confirmed it (Basic.Ack).</summary>
    public async Task PublishPersistentAsync(string queue, byte[] body)
    {
        await SendMethodAsync(1, 60, 40, w => { w.UInt16(0); w.ShortString(""); w.ShortString(queue); w.Byte(0); });
        var header = new FrameWriter();
        header.UInt16(60);
        header.UInt16(0);
        header.UInt64((ulong)body.Length);
        header.UInt16(0x1000); // property flags: delivery-mode present
        header.Byte(2);
        await SendFrameAsync(HeaderFrame, 1, header.ToArray());
        await SendFrameAsync(BodyFrame, 1, body);
        await ExpectAsync(1, 60, 80);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await SendMethodAsync(0, 10, 50, w => { w.UInt16(200); w.ShortString("bye"); w.UInt16(0); w.UInt16(0); });
            await ExpectAsync(0, 10, 51);
        }
        finally
        {
            _client.Dispose();
        }
    }

    private Task SendMethodAsync(ushort channel, ushort classId, ushort methodId, Action<FrameWriter> args)
    {
        var w = new FrameWriter();
        w.UInt16(classId);
        w.UInt16(methodId);
        args(w);
        return SendFrameAsync(MethodFrame, channel, w.ToArray());
    }

    private async Task SendFrameAsync(byte type, ushort channel, byte[] payload)
    {
        var frame = new byte[7 + payload.Length + 1];
        frame[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(1), channel);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(3), (uint)payload.Length);
        payload.CopyTo(frame, 7);
        frame[^1] = FrameEnd;
        await _stream.WriteAsync(frame);
    }

    /// <summary>Reads the next method frame and checks it is the expected one; returns its arguments.</summary>
    private async Task<byte[]> ExpectAsync(ushort channel, ushort classId, ushort methodId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var head = new byte[7];
            await _stream.ReadExactlyAsync(head, timeout.Token);
            var size = BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(3));
            var payload = new byte[size + 1];
            await _stream.ReadExactlyAsync(payload, timeout.Token);
            Assert.Equal(FrameEnd, payload[^1]);
            if (head[0] == HeartbeatFrame)
            {
                continue;
            }

            Assert.Equal(MethodFrame, head[0]);
            var gotChannel = BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(1));
            var gotClass = BinaryPrimitives.ReadUInt16BigEndian(payload);
            var gotMethod = BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(2));
            if ((gotClass, gotMethod) is (10, 50) or (20, 40))
            {
                var code = BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(4));
                var text = Encoding.UTF8.GetString(payload, 7, payload[6]);
                Assert.Fail($"broker closed the {(gotClass == 10 ? "connection" : "channel")}: {code} {text}");
            }

            Assert.Equal((channel, classId, methodId), (gotChannel, gotClass, gotMethod));
            return payload[4..^1];
        }
    }

    private sealed class FrameWriter
    {
        private readonly MemoryStream _buffer = new();

        public void Byte(byte value) => _buffer.WriteByte(value);

        public void UInt16(ushort value)
        {
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(b, value);
            _buffer.Write(b);
        }

        public void UInt32(uint value)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b, value);
            _buffer.Write(b);
        }

        public void UInt64(ulong value)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(b, value);
            _buffer.Write(b);
        }

        public void ShortString(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            Byte((byte)bytes.Length);
            _buffer.Write(bytes);
        }

        public void LongString(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            UInt32((uint)bytes.Length);
            _buffer.Write(bytes);
        }

        public void Table() => UInt32(0);

        public byte[] ToArray() => _buffer.ToArray();
    }
}
