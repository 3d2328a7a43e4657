global using TaskFlow.ChatSocket.Extensions;
