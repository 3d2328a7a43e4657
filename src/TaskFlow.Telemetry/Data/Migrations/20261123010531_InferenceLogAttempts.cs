using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TaskFlow.Telemetry.Data.Migrations
{
    /// <inheritdoc />
    public partial class InferenceLogAttempts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ux_inference_logs_generation_id",
                schema: "telemetry",
                table: "inference_logs");

            migrationBuilder.AddColumn<int>(
                name: "attempt",
                schema: "telemetry",
                table: "inference_logs",
                type: "integer",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.CreateIndex(
                name: "ux_inference_logs_generation_id_attempt",
                schema: "telemetry",
                table: "inference_logs",
                columns: new[] { "generation_id", "attempt" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ux_inference_logs_generation_id_attempt",
                schema: "telemetry",
                table: "inference_logs");

            migrationBuilder.DropColumn(
                name: "attempt",
                schema: "telemetry",
                table: "inference_logs");

            migrationBuilder.CreateIndex(
                name: "ux_inference_logs_generation_id",
                schema: "telemetry",
                table: "inference_logs",
                column: "generation_id",
                unique: true);
        }
    }
}
