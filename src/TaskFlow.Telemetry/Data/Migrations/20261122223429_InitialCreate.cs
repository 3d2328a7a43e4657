using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TaskFlow.Telemetry.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "telemetry");

            migrationBuilder.CreateTable(
                name: "inference_logs",
                schema: "telemetry",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    generation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    conversation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    message_id = table.Column<Guid>(type: "uuid", nullable: true),
                    user_id = table.Column<string>(type: "text", nullable: false),
                    model = table.Column<string>(type: "text", nullable: false),
                    provider = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "text", nullable: false),
                    latency_ms = table.Column<long>(type: "bigint", nullable: false),
                    time_to_first_token_ms = table.Column<long>(type: "bigint", nullable: true),
                    input_tokens = table.Column<int>(type: "integer", nullable: true),
                    output_tokens = table.Column<int>(type: "integer", nullable: true),
                    error_code = table.Column<string>(type: "text", nullable: true),
                    error_message = table.Column<string>(type: "text", nullable: true),
                    input_preview = table.Column<string>(type: "text", nullable: false),
                    output_preview = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_inference_logs", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_inference_logs_created_at",
                schema: "telemetry",
                table: "inference_logs",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_inference_logs_model_created_at",
                schema: "telemetry",
                table: "inference_logs",
                columns: new[] { "model", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ux_inference_logs_generation_id",
                schema: "telemetry",
                table: "inference_logs",
                column: "generation_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "inference_logs",
                schema: "telemetry");
        }
    }
}
